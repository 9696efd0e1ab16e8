using System.Text;
using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Processing;
using MediaTagger.Core.Scheduling;
using MediaTagger.Core.Sidecars;
using MediaTagger.Core.Stages;
using MediaTagger.Core.Transcripts;
using MediaTagger.Tests.Journal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Tests.Processing;

/// <summary>
/// Publishing a sidecar writes the transcript as .srt, .vtt and .txt beside it (or mirrored), per outputs.formats;
/// a stand-in transcription stage over a real journal and real files.
/// </summary>
public sealed class TranscriptOutputTests : JournalTestBase
{
    private static readonly TranscriptSegment[] Speech =
    [
        new(0.0, 2.5, " And so my fellow Americans,"),
        new(2.5, 5.0, " ask not what your country can do for you & me."),
    ];

    private readonly string media;
    private readonly TranscribingStage stage = new();

    public TranscriptOutputTests()
    {
        media = Directory.CreateDirectory(Path.Combine(Folder, "media")).FullName;
    }

    [Fact]
    public async Task An_audio_file_with_a_transcript_gets_srt_vtt_and_txt_beside_it_and_the_sidecar_records_them()
    {
        var processor = Processor(Options());
        var audio = Wav("talk.wav");

        await Process(processor, audio);

        File.ReadAllText(audio + ".srt").Should().Be(Subtitles.ToSrt(Speech)).And.Contain("00:00:02,500 --> 00:00:05,000");
        File.ReadAllText(audio + ".vtt").Should().StartWith("WEBVTT\n").And.Contain("can do for you &amp;\nme.\n");
        File.ReadAllText(audio + ".txt").Should().Be("And so my fellow Americans,\nask not what your country can do for you & me.\n");
        var sidecar = Sidecar(audio + ".json");
        sidecar["outputs"]!.ToJsonString().Should().Be("""{"srt":"talk.wav.srt","vtt":"talk.wav.vtt","txt":"talk.wav.txt"}""");
        sidecar["stages"]![Transcript.StageName]!["language"]!.GetValue<string>().Should().Be("en");
        processor.FilesUnder(media).Should().Equal([audio], "the worker never ingests its own outputs");
    }

    [Fact]
    public async Task Formats_without_srt_vtt_and_txt_write_no_transcript_files()
    {
        var options = Options();
        options.Outputs.Formats = ["json", "vtt"];
        var processor = Processor(options);
        var audio = Wav("talk.wav");

        await Process(processor, audio);

        File.Exists(audio + ".vtt").Should().BeTrue();
        File.Exists(audio + ".srt").Should().BeFalse();
        File.Exists(audio + ".txt").Should().BeFalse();
        Sidecar(audio + ".json")["outputs"]!.ToJsonString().Should().Be("""{"vtt":"talk.wav.vtt"}""");
    }

    [Fact]
    public async Task Mirror_placement_puts_the_transcript_files_beside_the_mirrored_sidecar()
    {
        var options = Options();
        options.Outputs.Sidecar = "mirror";
        options.Outputs.MirrorRoot = Path.Combine(Folder, "out");
        var processor = Processor(options);
        Directory.CreateDirectory(Path.Combine(media, "talks"));
        var audio = Wav(Path.Combine("talks", "talk.wav"));

        await Process(processor, audio);

        var mirrored = Path.Combine(Folder, "out", "talks", "talk.wav");
        File.ReadAllText(mirrored + ".srt").Should().Be(Subtitles.ToSrt(Speech));
        File.Exists(mirrored + ".vtt").Should().BeTrue();
        File.Exists(mirrored + ".txt").Should().BeTrue();
        Directory.EnumerateFiles(media, "*", SearchOption.AllDirectories).Should().Equal([audio], "nothing is written beside the media");
    }

    [Fact]
    public async Task Without_a_transcript_no_files_are_written_and_a_rerun_that_loses_it_removes_the_old_ones()
    {
        var processor = Processor(Options());
        var audio = Wav("talk.wav");
        await Process(processor, audio);
        File.Exists(audio + ".srt").Should().BeTrue();

        stage.Failing = true;
        File.AppendAllText(audio, "changed");
        File.SetLastWriteTimeUtc(audio, new DateTime(2025, 3, 2, 0, 0, 0, DateTimeKind.Utc));
        await Process(processor, audio);

        var sidecar = Sidecar(audio + ".json");
        sidecar["status"]!.GetValue<string>().Should().Be("failed");
        sidecar["outputs"]!.AsObject().Should().BeEmpty();
        Directory.EnumerateFiles(media).Order(StringComparer.Ordinal).Should().Equal([audio, audio + ".json"]);
    }

    [Fact]
    public async Task An_image_gets_no_subtitles_even_when_a_stage_returns_segments()
    {
        var processor = Processor(Options());
        var image = Path.Combine(media, "cat.png");
        File.WriteAllBytes(image, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[64]]);

        await Process(processor, image);

        Directory.EnumerateFiles(media).Order(StringComparer.Ordinal).Should().Equal([image, image + ".json"]);
    }

    [Fact]
    public async Task A_removed_media_file_loses_its_sidecar_and_its_transcript_files()
    {
        var processor = Processor(Options());
        var audio = Wav("talk.wav");
        var keep = Path.Combine(media, "notes.txt");
        File.WriteAllText(keep, "the user's own file");
        await Process(processor, audio);

        File.Delete(audio);
        processor.Remove(audio).Should().BeTrue();

        Directory.EnumerateFiles(media).Should().Equal([keep]);
    }

    [Fact]
    public async Task A_removed_media_file_whose_sidecar_was_deleted_still_loses_its_transcript_files()
    {
        var processor = Processor(Options());
        var audio = Wav("talk.wav");
        await Process(processor, audio);

        File.Delete(audio + ".json");
        File.Delete(audio);
        processor.Remove(audio).Should().BeTrue();

        Directory.EnumerateFiles(media).Should().BeEmpty();
    }

    [Fact]
    public void Formats_from_pipelines_json_replace_the_defaults_and_without_them_transcripts_are_on()
    {
        static OutputOptions Bind(string json)
        {
            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
            return configuration.Get<MediaTaggerOptions>()!.Outputs;
        }

        Bind("""{ "outputs": { "sidecar": "beside" } }""").EffectiveFormats.Should().Equal("json", "srt", "vtt", "txt");
        Bind("""{ "outputs": { "formats": [ "json" ] } }""").EffectiveFormats.Should().Equal("json");
        Bind("""{ "outputs": { "formats": [ "json", "srt" ] } }""").EffectiveFormats.Should().Equal("json", "srt");
    }

    [Fact]
    public void An_unknown_format_is_listed_with_its_path()
    {
        var options = Options();
        options.Outputs.Formats = ["json", "srt", "ass"];
        var problems = new MediaTaggerOptionsValidator([], Folder).Problems(options);

        problems.Should().Contain(p => p.StartsWith("$.outputs.formats[2]: 'ass' is not one of", StringComparison.Ordinal));
    }

    private static MediaTaggerOptions Options()
    {
        var transcribe = new List<StageDefinition> { new() { Stage = Transcript.StageName } };
        return new MediaTaggerOptions
        {
            Pipelines = new() { ["default"] = new PipelineDefinition { Image = transcribe, Audio = transcribe, Video = transcribe } },
        };
    }

    private MediaProcessor Processor(MediaTaggerOptions options)
    {
        var stages = new StageSet(options, _ => stage, Journal.RecordModelEvent, Time);
        var settings = new SchedulerSettings(new MemoryBudget("1000MB", 1000L << 20), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60));
        var scheduler = new StageScheduler(Journal, stages, settings, _ => null, Time, NullLogger.Instance);
        var sidecars = new SidecarWriter(options.Outputs, [media], Folder);
        return new MediaProcessor(Journal, options, scheduler, sidecars, Time, NullLogger.Instance, "test");
    }

    private static async Task Process(MediaProcessor processor, string path)
    {
        processor.Ingest(path, "default").Should().Be(IngestOutcome.Queued);
        await processor.DrainAsync(CancellationToken.None);
    }

    /// <summary>A file that sniffs as WAV: a RIFF/WAVE header and some silence.</summary>
    private string Wav(string relative)
    {
        var path = Path.Combine(media, relative);
        File.WriteAllBytes(path, [.. "RIFF"u8, 0x24, 0x10, 0, 0, .. "WAVEfmt "u8, .. new byte[4096]]);
        return path;
    }

    private static JsonObject Sidecar(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>Stands in for the Whisper stage: its result shape, for any kind of media.</summary>
    private sealed class TranscribingStage : IStage
    {
        public bool Failing { get; set; }

        public string Name => Transcript.StageName;

        public IReadOnlySet<MediaKind> Kinds { get; } = new HashSet<MediaKind> { MediaKind.Audio, MediaKind.Video, MediaKind.Image };

        public StageModelInfo? Model => null;

        public string Device => "cpu";

        public IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string>();

        public Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StageOutcome>>(batch.Select(_ => Failing ? StageOutcome.Fail("no speech model") : StageOutcome.Ok(Result())).ToArray());

        private static JsonObject Result() => new()
        {
            ["text"] = string.Concat(Speech.Select(s => s.Text)),
            ["language"] = "en",
            ["segments"] = new JsonArray(Speech.Select(s => (JsonNode)new JsonObject { ["start"] = s.Start, ["end"] = s.End, ["text"] = s.Text }).ToArray()),
        };
    }
}
