using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Processing;
using MediaTagger.Core.Scheduling;
using MediaTagger.Core.Sidecars;
using MediaTagger.Core.Stages;
using MediaTagger.Tests.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Tests.Processing;

/// <summary>
/// Files a stage keeps for a media file in a folder of the worker's (<see cref="StageContent"/>; the keyframes stage's
/// frames) go with the media file: removed, processed again, or gone while the worker was down. A stand-in stage that
/// writes snapshots over a real journal and real files; the orchestration knows it only by its declared content.
/// </summary>
public sealed class StageContentTests : JournalTestBase
{
    private readonly string media;
    private readonly string root;
    private readonly SnapshotStage stage;

    public StageContentTests()
    {
        media = Directory.CreateDirectory(Path.Combine(Folder, "media")).FullName;
        root = Path.Combine(Folder, "state", "snapshots");
        stage = new SnapshotStage(root);
    }

    [Fact]
    public async Task A_removed_file_loses_the_files_its_stage_kept_and_other_files_keep_theirs()
    {
        var processor = Processor();
        var gone = await Processed("gone.wav", processor);
        var kept = await Processed("kept.wav", processor);
        var goneFiles = stage.FilesFor(gone);
        goneFiles.Should().HaveCount(2).And.OnlyContain(f => File.Exists(f));

        File.Delete(gone);
        processor.Remove(gone).Should().BeTrue();

        goneFiles.Should().OnlyContain(f => !File.Exists(f));
        Directory.Exists(Path.GetDirectoryName(goneFiles[0])).Should().BeFalse("the folder it left empty goes too");
        stage.FilesFor(kept).Should().OnlyContain(f => File.Exists(f));
        Directory.Exists(root).Should().BeTrue("the stage's folder itself stays");
    }

    [Fact]
    public async Task A_result_naming_a_file_outside_the_stage_s_folder_never_deletes_it()
    {
        var notes = Path.Combine(media, "notes.txt");
        File.WriteAllText(notes, "the user's own file");
        stage.AlsoName = notes;
        var processor = Processor();
        var audio = await Processed("talk.wav", processor);

        File.Delete(audio);
        processor.Remove(audio).Should().BeTrue();

        File.Exists(notes).Should().BeTrue();
        stage.FilesFor(audio).Should().OnlyContain(f => !File.Exists(f));
    }

    [Fact]
    public async Task A_file_processed_again_has_only_the_new_run_s_files_instead_of_both()
    {
        var processor = Processor();
        var audio = await Processed("talk.wav", processor);
        var first = stage.FilesFor(audio);

        Edit(audio, () => File.AppendAllText(audio, "changed"));
        processor.Ingest(audio, "default").Should().Be(IngestOutcome.Queued);
        first.Should().OnlyContain(f => !File.Exists(f), "the previous result's files go when the file is queued again");
        await processor.DrainAsync(CancellationToken.None);

        var second = stage.FilesFor(audio);
        second.Should().NotIntersectWith(first);
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Should().BeEquivalentTo(second);
    }

    [Fact]
    public async Task A_file_that_is_no_longer_media_loses_the_files_kept_for_it()
    {
        var processor = Processor();
        // Known as audio by its content alone; text under a name that is not media's is ignored, not failed.
        var audio = await Processed("recording.dat", processor);
        var files = stage.FilesFor(audio);

        Edit(audio, () => File.WriteAllText(audio, "plain text now, not a wav"));
        processor.Ingest(audio, "default").Should().Be(IngestOutcome.Ignored);

        files.Should().OnlyContain(f => !File.Exists(f));
    }

    [Fact]
    public async Task The_start_up_sweep_deletes_what_no_live_file_names_and_keeps_the_rest()
    {
        var processor = Processor();
        var deletedWhileDown = await Processed("deleted.wav", processor);
        var removedEarlier = await Processed("removed.wav", processor);
        var live = await Processed("live.wav", processor);
        var stray = Path.Combine(root, "unknown", "old.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        File.WriteAllText(stray, "left by an older build");
        var doomed = stage.FilesFor(deletedWhileDown).Concat(stage.FilesFor(removedEarlier)).Append(stray).ToArray();
        // The worker was down: one file went without the worker hearing of it, another's removal kept its files.
        File.Delete(deletedWhileDown);
        Journal.MarkRemoved(removedEarlier, Now).Should().BeTrue();

        var restarted = Processor();
        var deleted = restarted.SweepStageContent();

        deleted.Should().Be(5);
        doomed.Should().OnlyContain(f => !File.Exists(f));
        stage.FilesFor(live).Should().OnlyContain(f => File.Exists(f));
        Directory.EnumerateDirectories(root).Should().Equal([Path.GetDirectoryName(stage.FilesFor(live)[0])], "emptied folders go");
        restarted.SweepStageContent().Should().Be(0, "a second sweep finds nothing more");
    }

    [Fact]
    public void The_sweep_does_nothing_before_the_stage_ever_wrote_a_file()
    {
        Processor().SweepStageContent().Should().Be(0);
        Directory.Exists(root).Should().BeFalse();
    }

    private MediaProcessor Processor()
    {
        var stages = new List<StageDefinition> { new() { Stage = SnapshotStage.StageName } };
        var options = new MediaTaggerOptions
        {
            Pipelines = new() { ["default"] = new PipelineDefinition { Image = stages, Audio = stages, Video = stages } },
        };
        var set = new StageSet(options, _ => stage, Journal.RecordModelEvent, Time);
        var settings = new SchedulerSettings(new MemoryBudget("1000MB", 1000L << 20), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60));
        var scheduler = new StageScheduler(Journal, set, settings, _ => null, Time, NullLogger.Instance);
        return new MediaProcessor(Journal, options, scheduler, new SidecarWriter(options.Outputs, [media], Folder), Time, NullLogger.Instance, "test")
        {
            StageContent = new StageContentFiles([stage.Content], NullLogger.Instance),
        };
    }

    private async Task<string> Processed(string name, MediaProcessor processor)
    {
        var path = Path.Combine(media, name);
        File.WriteAllBytes(path, [.. "RIFF"u8, 0x24, 0x10, 0, 0, .. "WAVEfmt "u8, .. new byte[4096]]);
        processor.Ingest(path, "default").Should().Be(IngestOutcome.Queued);
        await processor.DrainAsync(CancellationToken.None);
        return path;
    }

    /// <summary>Changes a processed file as an editor would: other content under another mtime.</summary>
    private static void Edit(string path, Action change)
    {
        change();
        File.SetLastWriteTimeUtc(path, new DateTime(2025, 3, 2, 0, 0, 0, DateTimeKind.Utc));
    }

    /// <summary>Writes two snapshots per file and run into a folder per file, and names them under "files".</summary>
    private sealed class SnapshotStage(string root) : IStage
    {
        public const string StageName = "snapshots";

        private readonly Dictionary<string, string[]> written = new(StringComparer.Ordinal);
        private int runs;

        public StageContent Content { get; } = new(StageName, root,
            result => result["files"]!.AsArray().Select(f => f!.GetValue<string>()));

        /// <summary>A file outside the stage's folder that every result also names.</summary>
        public string? AlsoName { get; set; }

        public string Name => StageName;

        public IReadOnlySet<MediaKind> Kinds { get; } = new HashSet<MediaKind> { MediaKind.Audio, MediaKind.Video, MediaKind.Image };

        public StageModelInfo? Model => null;

        public string Device => "cpu";

        public IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string>();

        public string[] FilesFor(string mediaPath) => written[mediaPath];

        public Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StageOutcome>>(batch.Select(Snapshot).ToArray());

        private StageOutcome Snapshot(StageInput input)
        {
            var run = ++runs;
            var folder = Directory.CreateDirectory(Path.Combine(root, Path.GetFileNameWithoutExtension(input.Path))).FullName;
            string[] files = [Path.Combine(folder, $"run{run}-a.jpg"), Path.Combine(folder, $"run{run}-b.jpg")];
            foreach (var file in files)
            {
                File.WriteAllText(file, "jpeg");
            }

            written[input.Path] = files;
            var named = AlsoName is null ? files : [.. files, AlsoName];
            return StageOutcome.Ok(new JsonObject { ["files"] = new JsonArray(named.Select(f => (JsonNode)JsonValue.Create(f)).ToArray()) });
        }
    }
}
