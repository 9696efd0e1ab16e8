using System.Diagnostics;
using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages;
using MediaTagger.Stages.Whisper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.IntegrationTests.Whisper;

/// <summary>
/// The whisper stage end to end, created from the catalog like a worker creates it, on whisper.cpp's empty tiny.en
/// test model ("whisper-tiny.en-empty", found in the shared model mirror): every path runs (ffmpeg, chunking,
/// whisper_full) and the model transcribes nothing, so these tests check shape, times and failure handling.
/// </summary>
public sealed class WhisperStageTests : IDisposable
{
    private const string TestModel = "whisper-tiny.en-empty";
    private const string TestModelSha256 = "dd6b7796204a1cdf7164666423034e6e1a7a3e9f5c22327b4b7974c4584bd82d";

    private readonly string folder = Directory.CreateTempSubdirectory("mt-whisper-stage-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [SkippableFact]
    public async Task Jfk_wav_without_a_vad_result_is_transcribed_whole_and_returns_cleanly()
    {
        using var stage = CreateStage();

        var outcome = await RunAsync(stage, Jfk());

        outcome.Success.Should().BeTrue(outcome.Error);
        var result = outcome.Result!;
        result["text"]!.GetValue<string>().Should().BeEmpty("the empty test model transcribes nothing");
        result["segments"]!.AsArray().Should().BeEmpty();
        result["language"]!.GetValue<string>().Should().Be("en", "the model is English-only");
        result["languageDetected"]!.GetValue<bool>().Should().BeFalse();
        result["vad"]!.GetValue<bool>().Should().BeFalse();
        result["chunks"]!.GetValue<int>().Should().Be(1, "jfk.wav is 11 s, within one 30 s window");
        result["transcribedSeconds"]!.GetValue<double>().Should().BeApproximately(11, 0.1);
        result["device"]!.GetValue<string>().Should().Be(stage.Device).And.NotBeNullOrEmpty();
        stage.Model!.Sha256.Should().Be(TestModelSha256);
        stage.Kinds.Should().BeEquivalentTo([MediaKind.Audio, MediaKind.Video]);
    }

    [SkippableFact]
    public async Task With_a_vad_result_only_the_speech_chunks_are_transcribed()
    {
        using var stage = CreateStage(("maxChunkSeconds", "5"));
        var vad = JsonNode.Parse("""{ "segments": [ { "start": 0.3, "end": 3.0 }, { "start": 3.5, "end": 10.5 } ], "speechRatio": 0.88 }""")!.AsObject();

        var outcome = await RunAsync(stage, Jfk(), vad);

        outcome.Success.Should().BeTrue(outcome.Error);
        outcome.Result!["vad"]!.GetValue<bool>().Should().BeTrue();
        // 0.3-3.0 alone (3.5-10.5 would make it too long), then 3.5-10.5 cut in two 3.5 s parts.
        outcome.Result!["chunks"]!.GetValue<int>().Should().Be(3);
        outcome.Result!["transcribedSeconds"]!.GetValue<double>().Should().BeApproximately(9.7, 0.01);
        outcome.Result!["segments"]!.AsArray().Should().BeEmpty();
    }

    [SkippableFact]
    public async Task A_vad_result_without_speech_yields_empty_text_without_running_whisper()
    {
        var logger = new RecordingLoggerFactory();
        using var stage = CreateStage(logger);
        var vad = JsonNode.Parse("""{ "segments": [], "speechRatio": 0 }""")!.AsObject();

        var outcome = await RunAsync(stage, Jfk(), vad);

        outcome.Success.Should().BeTrue(outcome.Error);
        outcome.Result!["text"]!.GetValue<string>().Should().BeEmpty();
        outcome.Result!["segments"]!.AsArray().Should().BeEmpty();
        outcome.Result!["chunks"]!.GetValue<int>().Should().Be(0);
        logger.Ids.Should().Contain(3705).And.NotContain(2203, "whisper was never started");
    }

    [SkippableFact]
    public async Task A_forced_language_is_recorded_and_an_unknown_one_is_refused_when_the_stage_is_created()
    {
        using var stage = CreateStage(("language", "en"));

        var outcome = await RunAsync(stage, Jfk());

        outcome.Result!["language"]!.GetValue<string>().Should().Be("en");
        outcome.Result!["languageDetected"]!.GetValue<bool>().Should().BeFalse();
        stage.Parameters["language"].Should().Be("en");
        var loggers = new RecordingLoggerFactory();
        using var german = CreateStage(loggers, ("language", "german"));
        (await RunAsync(german, Jfk())).Result!["language"]!.GetValue<string>().Should().Be("en", "an English-only model transcribes English");
        loggers.Ids.Should().Contain(3709, "the ignored language is reported");
        var unknown = () => CreateStage(("language", "klingon"));
        unknown.Should().Throw<ArgumentException>().WithMessage("*klingon*");
    }

    [SkippableFact]
    public async Task Video_is_transcribed_from_its_audio_track_and_a_file_without_one_fails_permanently()
    {
        using var stage = CreateStage();
        var withAudio = Ffmpeg("with-audio.mp4", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=3", "-i", Jfk(), "-t", "3", "-c:v", "mpeg4", "-c:a", "aac");
        var silentFilm = Ffmpeg("no-audio.mp4", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", "-c:v", "mpeg4");

        var video = await RunAsync(stage, withAudio, kind: MediaKind.Video);
        var noAudio = await RunAsync(stage, silentFilm, kind: MediaKind.Video);

        video.Success.Should().BeTrue(video.Error);
        video.Result!["durationSeconds"]!.GetValue<double>().Should().BeApproximately(3, 0.2);
        noAudio.Success.Should().BeFalse();
        noAudio.Transient.Should().BeFalse();
        noAudio.Error.Should().Contain("no audio track");
    }

    [SkippableFact]
    public async Task Corrupt_audio_is_a_clear_permanent_failure()
    {
        using var stage = CreateStage();
        var corrupt = Path.Combine(folder, "corrupt.wav");
        await File.WriteAllBytesAsync(corrupt, [.. "RIFF"u8, .. Enumerable.Range(0, 4000).Select(i => (byte)(i * 37))]);

        var outcome = await RunAsync(stage, corrupt);

        outcome.Success.Should().BeFalse();
        outcome.Transient.Should().BeFalse();
        outcome.Error.Should().Contain("cannot decode the audio").And.Contain("corrupt.wav");
    }

    [SkippableFact]
    public async Task Cancelling_aborts_the_native_run()
    {
        using var cts = new CancellationTokenSource();
        // Cancel the moment whisper.cpp starts on a chunk, so it is the abort callback that stops it.
        var logger = new RecordingLoggerFactory(id => { if (id == 2203) { cts.Cancel(); } });
        using var stage = CreateStage(logger);
        var long40s = Ffmpeg("silence-40s.wav", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "40");

        var run = () => stage.RunAsync([Input(long40s)], cts.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        logger.Ids.Should().Contain(2205, "whisper.cpp reported the transcription as cancelled").And.Contain(3707);
        var again = await RunAsync(stage, Jfk());
        again.Success.Should().BeTrue("the model serves the next file after a cancelled one");
    }

    private static string Jfk()
    {
        TestAssets.RequireTool("ffmpeg");
        return TestAssets.Media("audio/jfk.wav");
    }

    private static StageInput Input(string path, JsonObject? vad = null, MediaKind kind = MediaKind.Audio) =>
        new(1, path, kind, Path.GetExtension(path).TrimStart('.'), vad is null
            ? new Dictionary<string, JsonObject>()
            : new Dictionary<string, JsonObject> { [WhisperChunks.VadStage] = vad });

    private static async Task<StageOutcome> RunAsync(WhisperStage stage, string path, JsonObject? vad = null, MediaKind kind = MediaKind.Audio) =>
        (await stage.RunAsync([Input(path, vad, kind)], CancellationToken.None)).Single();

    private static WhisperStage CreateStage(params (string Key, string Value)[] with) => CreateStage(new RecordingLoggerFactory(), with);

    /// <summary>The stage as a worker makes it: the catalog test model resolved from the shared mirror, the options from "with".</summary>
    private static WhisperStage CreateStage(RecordingLoggerFactory loggers, params (string Key, string Value)[] with)
    {
        TestAssets.RequireNative("whisper");
        var mirror = Path.Combine(TestAssets.SharedDirectory, "models");
        TestAssets.Model("whisper/for-tests-ggml-tiny.en.bin");
        var services = new ServiceCollection();
        services.AddSingleton(ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json")));
        services.AddSingleton(new ModelStore(Path.Combine(Path.GetTempPath(), "mediatagger-no-models"), mirror));
        services.AddOptions<MediaTaggerOptions>();
        services.AddSingleton<ILoggerFactory>(loggers);
        services.AddWhisperStage(o => o.Threads = 2);
        using var provider = services.BuildServiceProvider();
        var definition = new StageDefinition { Stage = WhisperStage.StageName, With = { ["model"] = TestModel } };
        foreach (var (key, value) in with)
        {
            definition.With[key] = value;
        }

        return (WhisperStage)provider.GetRequiredService<StageCatalog>().Create(definition);
    }

    private string Ffmpeg(string name, params string[] arguments)
    {
        TestAssets.RequireTool("ffmpeg");
        var output = Path.Combine(folder, name);
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-nostdin", "-v", "error", "-y", .. arguments, output])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Skip.If(process.ExitCode != 0, $"ffmpeg could not make {name}: {stderr}");
        return output;
    }
}

/// <summary>A logger factory that records the EventIds of every logger it made, and can act on one as it is logged.</summary>
internal sealed class RecordingLoggerFactory(Action<int>? onEvent = null) : ILoggerFactory
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> ids = new();

    public IReadOnlyList<int> Ids => [.. ids];

    private Action<int>? OnEvent { get; } = onEvent;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.ids.Enqueue(eventId.Id);
            owner.OnEvent?.Invoke(eventId.Id);
        }
    }
}
