using System.Diagnostics;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Media.Audio;
using MediaTagger.Native.Whisper;

namespace MediaTagger.IntegrationTests.Whisper;

/// <summary>
/// whisper.cpp on a tiny random-weight model that this repository generates (tests/tools/make_tiny_whisper.py): the
/// interface of tiny.en with one layer of width 64. Unlike the official empty model it decodes real tokens, so the
/// segment, token and timestamp plumbing is exercised; its text is nonsense by design.
/// </summary>
public sealed class TinyRandomWhisperTests
{
    private static readonly Lazy<string> Model = new(Generate);

    [SkippableFact]
    public async Task A_random_weight_model_loads_as_a_real_one_and_decodes_tokens_with_timestamps_inside_the_audio()
    {
        TestAssets.RequireNative("whisper");
        TestAssets.RequireTool("ffmpeg");
        using var model = WhisperModel.Load(Model.Value, new WhisperModelOptions { UseGpu = false });
        var pcm = await new FfmpegAudioDecoder().DecodeAsync(TestAssets.Media("audio/jfk.wav"));
        var durationMs = pcm.Length * 1000L / 16000;

        var result = model.Transcribe(pcm, new WhisperTranscribeOptions { Language = "en", Threads = 2, TokenTimestamps = true, NoSpeechThreshold = 1.0f });

        model.VocabSize.Should().Be(51864);
        model.AudioContextSize.Should().Be(1500);
        result.Segments.Should().NotBeEmpty("a model with weights decodes tokens, unlike the empty test model");
        var tokens = result.Segments.SelectMany(s => s.Tokens).ToArray();
        tokens.Should().NotBeEmpty();
        tokens.Should().OnlyContain(t => t.Id >= 0 && t.Id < model.VocabSize);
        result.Segments.Should().OnlyContain(s => s.StartMs >= 0 && s.EndMs >= s.StartMs && s.StartMs <= durationMs + 1000,
            "segment times lie inside the 11 s of audio (whisper.cpp rounds to 10 ms and may round the last end up)");
        result.Segments.Select(s => s.StartMs).Should().BeInAscendingOrder();
        tokens.Where(t => t.StartMs is not null).Should().OnlyContain(t => t.EndMs >= t.StartMs, "token timestamps are ordered pairs");
    }

    [SkippableFact]
    public void The_generator_is_deterministic_for_a_seed()
    {
        var again = Path.Combine(Path.GetTempPath(), $"tiny-whisper-{Guid.NewGuid():N}.bin");
        try
        {
            Run(again);
            File.ReadAllBytes(again).Should().Equal(File.ReadAllBytes(Model.Value), "the same seed writes the same bytes, so failures reproduce");
        }
        finally
        {
            File.Delete(again);
        }
    }

    private static string Generate()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "generated", "tiny-random-whisper.bin");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Run(path + ".tmp");
            File.Move(path + ".tmp", path, overwrite: true);
        }

        return path;
    }

    private static void Run(string output)
    {
        TestAssets.RequireTool("python3");
        var script = Path.Combine(TestAssets.RepoRoot, "tests", "tools", "make_tiny_whisper.py");
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(output);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(2)).Should().BeTrue("the generator takes seconds");
        process.ExitCode.Should().Be(0, stderr);
    }
}
