using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Probe;
using Xunit.Abstractions;

namespace MediaTagger.IntegrationTests.Probe;

/// <summary>The probe stage on real media, generated media, and the bad-input corpus, through <see cref="IStage.RunAsync"/>.</summary>
[Collection(GeneratedMediaGroup.Name)]
public sealed class ProbeStageTests(GeneratedMedia generated, ITestOutputHelper output)
{
    private const long CorpusMaxFileBytes = 4 << 20;

    [SkippableFact]
    public async Task Chelsea_is_a_451x300_png_with_its_size_and_sha256()
    {
        TestAssets.RequireVips();
        var path = TestAssets.Media("images/chelsea.png");

        var result = await ProbeOkAsync(path);

        Str(result, "kind").Should().Be("image");
        Str(result, "format").Should().Be("png");
        Str(result, "mime").Should().Be("image/png");
        Num(result, "width").Should().Be(451);
        Num(result, "height").Should().Be(300);
        Num(result, "bands").Should().Be(3);
        Num(result, "pages").Should().Be(1);
        Num(result, "orientation").Should().Be(1);
        Num(result, "size").Should().Be(new FileInfo(path).Length);
        Str(result, "sha256").Should().Be(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        result.ContainsKey("extensionMismatch").Should().BeFalse();
    }

    [SkippableTheory]
    [InlineData("audio/jfk.wav", "wav", "pcm_s16le", 0.01)]
    [InlineData("audio/jfk.mp3", "mp3", "mp3", 0.1)]
    public async Task Jfk_lasts_11_seconds_of_16_kHz_mono(string file, string format, string codec, double tolerance)
    {
        TestAssets.RequireTool("ffprobe");
        var result = await ProbeOkAsync(TestAssets.Media(file));

        Str(result, "kind").Should().Be("audio");
        Str(result, "format").Should().Be(format);
        Dbl(result, "duration").Should().BeApproximately(11.0, tolerance);
        var stream = result["streams"]!.AsArray().Should().ContainSingle().Subject!.AsObject();
        Str(stream, "type").Should().Be("audio");
        Str(stream, "codec").Should().Be(codec);
        Num(stream, "channels").Should().Be(1);
        Num(stream, "sampleRate").Should().Be(16000);
    }

    [SkippableFact]
    public async Task Every_real_media_file_probes_with_the_kind_its_content_has()
    {
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        var root = Path.GetDirectoryName(Path.GetDirectoryName(TestAssets.Media("images/chelsea.png")))!;
        var media = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => MediaSniffer.DetectFile(f).Kind != MediaKind.Unknown)
            .Order(StringComparer.Ordinal)
            .ToList();

        var outcomes = await NewStage().RunAsync(media.Select(Input).ToList(), CancellationToken.None);

        media.Should().HaveCountGreaterThanOrEqualTo(13, "shared/media holds jfk.wav, jfk.mp3, 5 LibriVox readings and 6 images");
        for (var i = 0; i < media.Count; i++)
        {
            outcomes[i].Error.Should().BeNull(media[i]);
            Str(outcomes[i].Result!, "kind").Should().Be(media[i].EndsWith(".png", StringComparison.Ordinal) ? "image" : "audio");
        }

        var astronaut = outcomes[media.FindIndex(f => f.EndsWith("astronaut.png", StringComparison.Ordinal))].Result!;
        (Num(astronaut, "width"), Num(astronaut, "height")).Should().Be((512, 512));
    }

    [SkippableFact]
    public async Task A_video_lists_its_video_and_audio_streams()
    {
        TestAssets.RequireTool("ffprobe");
        var result = await ProbeOkAsync(generated.Get("h264-aac.mp4"));

        Str(result, "kind").Should().Be("video");
        Str(result, "mime").Should().Be("video/mp4");
        Str(result, "container").Should().Contain("mp4");
        Dbl(result, "duration").Should().BeApproximately(1.0, 0.1);
        var streams = result["streams"]!.AsArray().Select(s => s!.AsObject()).ToList();
        streams.Should().HaveCount(2);
        var video = streams.Single(s => Str(s, "type") == "video");
        (Str(video, "codec"), Num(video, "width"), Num(video, "height"), Dbl(video, "frameRate")).Should().Be(("h264", 64, 48, 25.0));
        var audio = streams.Single(s => Str(s, "type") == "audio");
        (Str(audio, "codec"), Num(audio, "channels"), Num(audio, "sampleRate")).Should().Be(("aac", 1, 44100));
    }

    [SkippableFact]
    public async Task Matroska_subtitle_and_audio_streams_carry_their_languages()
    {
        TestAssets.RequireTool("ffprobe");
        var result = await ProbeOkAsync(generated.Get("h264-aac-subs.mkv"));

        var streams = result["streams"]!.AsArray().Select(s => s!.AsObject()).ToList();
        streams.Select(s => Str(s, "type")).Should().Equal("video", "audio", "subtitle");
        var subtitle = streams[2];
        (Str(subtitle, "codec"), Str(subtitle, "language")).Should().Be(("subrip", "fra"));
        Str(streams[1], "language").Should().Be("eng");
    }

    [SkippableFact]
    public async Task An_mp4_without_a_video_stream_is_reported_as_audio()
    {
        TestAssets.RequireTool("ffprobe");
        var path = generated.Get("aac-only.mp4");
        MediaSniffer.DetectFile(path).Kind.Should().Be(MediaKind.Video, "by content alone an MP4 is video");

        var result = await ProbeOkAsync(path);

        Str(result, "kind").Should().Be("audio");
        Str(result, "sniffedKind").Should().Be("video");
        Str(result, "mime").Should().Be("audio/mp4");
        result["streams"]!.AsArray().Select(s => Str(s!.AsObject(), "type")).Should().Equal("audio");
    }

    [SkippableFact]
    public async Task Cover_art_does_not_make_an_mp4_a_video()
    {
        TestAssets.RequireTool("ffprobe");
        var result = await ProbeOkAsync(generated.Get("cover-art.mp4"));

        Str(result, "kind").Should().Be("audio");
        var cover = result["streams"]!.AsArray().Select(s => s!.AsObject()).Single(s => Str(s, "type") == "video");
        cover["attachedPicture"]!.GetValue<bool>().Should().BeTrue();
        (Num(cover, "width"), Num(cover, "height")).Should().Be((451, 300));
        cover.ContainsKey("frameRate").Should().BeFalse("a still picture has no frame rate");
    }

    [SkippableTheory]
    [InlineData("vp9-opus.webm", "video", "vp9")]
    [InlineData("h264-aac.mov", "video", "h264")]
    [InlineData("mpeg4-mp3.avi", "video", "mpeg4")]
    [InlineData("theora-vorbis.ogv", "video", "theora")]
    [InlineData("h264-aac.ts", "video", "h264")]
    [InlineData("tone.flac", "audio", "flac")]
    [InlineData("tone.ogg", "audio", "vorbis")]
    [InlineData("tone.opus", "audio", "opus")]
    [InlineData("tone.m4a", "audio", "aac")]
    [InlineData("tone.aac", "audio", "aac")]
    [InlineData("tone-no-id3.mp3", "audio", "mp3")]
    public async Task Generated_audio_and_video_last_one_second(string name, string kind, string firstCodec)
    {
        TestAssets.RequireTool("ffprobe");
        var result = await ProbeOkAsync(generated.Get(name));

        Str(result, "kind").Should().Be(kind);
        Dbl(result, "duration").Should().BeApproximately(1.0, 0.15);
        Str(result["streams"]![0]!.AsObject(), "codec").Should().Be(firstCodec);
    }

    [SkippableTheory]
    [InlineData("chelsea.jpg")]
    [InlineData("chelsea.webp")]
    [InlineData("chelsea.tif")]
    [InlineData("chelsea.gif")]
    [InlineData("chelsea.bmp")]
    [InlineData("chelsea.heic")]
    [InlineData("chelsea.avif")]
    public async Task Every_image_format_gives_chelseas_size(string name)
    {
        TestAssets.RequireVips();
        var result = await ProbeOkAsync(generated.Get(name));

        (Num(result, "width"), Num(result, "height")).Should().Be((451, 300));
    }

    [SkippableFact]
    public async Task Every_bad_input_fails_alone_with_a_clear_reason_in_one_batch()
    {
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        using var corpus = BadInputCorpus.Create(TestAssets.Media("images/chelsea.png"), CorpusMaxFileBytes);
        var logger = new RecordingLogger<ProbeStage>();
        var stage = NewStage(new ProbeStageOptions { MaxFileBytes = CorpusMaxFileBytes }, logger);
        // Ingest sniffs first; the vanishing file is deleted after that, before the probe stage gets to it.
        var batch = corpus.All.Select(f => Input(f.Path)).ToList();
        corpus.DeleteVanishing();

        var outcomes = await stage.RunAsync(batch, CancellationToken.None);

        outcomes.Should().HaveCount(batch.Count);
        var byName = corpus.All.Select((f, i) => (f.Name, Outcome: outcomes[i])).ToDictionary(x => x.Name, x => x.Outcome);
        foreach (var (name, outcome) in byName)
        {
            output.WriteLine($"{name,-16} {(outcome.Success ? "ok     " + outcome.Result!.ToJsonString() : "FAILED " + outcome.Error)}");
        }

        Failed(byName["empty"]).Should().Be("file is empty (0 bytes)");
        // The decoders' own words (libvips 8.14 with libjpeg and libpng), and only this file's: no other file's messages.
        Failed(byName["truncated jpeg"]).Should().Be("image data is corrupt or truncated: libvips: avg failed: VipsJpeg: Premature end of input file");
        Failed(byName["truncated png"]).Should().Be("image data is corrupt or truncated: libvips: avg failed: vipspng: libpng read error");
        Failed(byName["random bytes"]).Should().StartWith("not an image, audio or video format").And.EndWith("its name ends in .jpg");
        Failed(byName["pixel bomb"]).Should().Be(
            "image is 30000x30000 = 900000000 pixels, over the limit of 178956970 pixels (MaxImagePixels); refused before decoding");
        Failed(byName["symlink loop"]).Should().StartWith("symbolic link loop");
        Failed(byName["dangling symlink"]).Should().Be("symbolic link points to a file that does not exist (no-such-file.png)");
        Failed(byName["vanishing"]).Should().Be("file was deleted before it could be read");
        Failed(byName["oversize"]).Should().Be(
            $"file is {CorpusMaxFileBytes + 1} bytes, over the limit of {CorpusMaxFileBytes} bytes (MaxFileBytes); refused without reading it");
        outcomes.Where(o => !o.Success).Should().OnlyContain(o => !o.Transient, "none of these gets better by retrying");

        // Content decides: a real PNG named .mp3 is an image, with a note about its name.
        var mislabelled = Ok(byName["png named mp3"]);
        (Str(mislabelled, "kind"), Str(mislabelled, "format")).Should().Be(("image", "png"));
        Str(mislabelled, "extensionMismatch").Should().Be("content is png but the extension says .mp3");

        var onePixel = Ok(byName["one pixel"]);
        (Num(onePixel, "width"), Num(onePixel, "height")).Should().Be((1, 1));
        (Num(Ok(byName["unicode name"]), "width"), Num(Ok(byName["long path"]), "width")).Should().Be((451, 451));
        System.Text.Encoding.UTF8.GetByteCount(corpus.LongPath).Should().BeGreaterThan(2500);
        Path.GetFileName(corpus.LongPath).Length.Should().Be(255);

        if (corpus.PermissionsEnforced)
        {
            Failed(byName["unreadable"]).Should().StartWith("permission denied");
        }
        else
        {
            output.WriteLine($"unreadable: SKIPPED: {corpus.PermissionSkipReason}");
            Ok(byName["unreadable"]);
        }

        var failures = outcomes.Count(o => !o.Success);
        logger.MessagesWith(3303).Should().HaveCount(failures, "every failed input is logged once, with its path and reason");
        logger.MessagesWith(3303).Should().Contain(m => m.Contains(corpus.PixelBomb, StringComparison.Ordinal) && m.Contains("900000000", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task An_unreadable_file_fails_with_permission_denied()
    {
        TestAssets.RequireVips();
        using var corpus = BadInputCorpus.Create(TestAssets.Media("images/chelsea.png"), CorpusMaxFileBytes);
        Skip.IfNot(corpus.PermissionsEnforced, corpus.PermissionSkipReason);

        var outcome = (await NewStage().RunAsync([Input(corpus.Unreadable)], CancellationToken.None)).Single();

        Failed(outcome).Should().StartWith("permission denied");
        outcome.Transient.Should().BeFalse();
    }

    [SkippableFact]
    public async Task A_file_deleted_while_it_is_being_probed_says_it_was_deleted()
    {
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        var folder = Directory.CreateTempSubdirectory("mt-vanish-").FullName;
        try
        {
            var image = Path.Combine(folder, "cat.png");
            var audio = Path.Combine(folder, "tone.flac");
            File.Copy(TestAssets.Media("images/chelsea.png"), image);
            File.Copy(generated.Get("tone.flac"), audio);
            var stage = NewStage();
            // After the file was opened, sniffed and hashed, before libvips or ffprobe reads it.
            stage.BeforeDecode = (input, _) =>
            {
                File.Delete(input.Path);
                return Task.CompletedTask;
            };

            var outcomes = await stage.RunAsync([Input(image), Input(audio)], CancellationToken.None);

            outcomes.Select(o => o.Error).Should().Equal("file was deleted before it could be read", "file was deleted before it could be read");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_file_held_exclusively_by_a_writer_is_a_transient_failure_and_probes_once_released()
    {
        TestAssets.RequireVips();
        var folder = Directory.CreateTempSubdirectory("mt-busy-").FullName;
        try
        {
            var path = Path.Combine(folder, "being-copied.png");
            File.WriteAllBytes(path, File.ReadAllBytes(TestAssets.Media("images/chelsea.png"))); // not File.Copy: shared/ is read-only
            var stage = NewStage();
            StageOutcome busy;
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                busy = (await stage.RunAsync([Input(path)], CancellationToken.None)).Single();
            }

            var released = (await stage.RunAsync([Input(path)], CancellationToken.None)).Single();

            Failed(busy).Should().StartWith("the file is busy or temporarily unreadable, will retry");
            busy.Transient.Should().BeTrue();
            released.Success.Should().BeTrue(released.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_corrupt_video_fails_with_ffprobes_message()
    {
        TestAssets.RequireTool("ffprobe");
        var folder = Directory.CreateTempSubdirectory("mt-corrupt-").FullName;
        try
        {
            // A real MP4 header followed by garbage: the sniffer says mp4, ffprobe finds nothing to read.
            var mp4 = File.ReadAllBytes(generated.Get("h264-aac.mp4"));
            var path = Path.Combine(folder, "broken.mp4");
            var bytes = new byte[4096];
            new Random(5).NextBytes(bytes);
            mp4.AsSpan(0, 32).CopyTo(bytes);
            File.WriteAllBytes(path, bytes);

            var outcome = (await NewStage().RunAsync([Input(path)], CancellationToken.None)).Single();

            Failed(outcome).Should().StartWith("ffprobe could not read").And.Contain("broken.mp4");
            outcome.Transient.Should().BeFalse();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>What ingest hands the stage: the kind sniffed from content (unknown when unreadable).</summary>
    private static StageInput Input(string path)
    {
        MediaType type;
        try
        {
            type = MediaSniffer.DetectFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            type = MediaType.Unknown;
        }

        return new StageInput(1, path, type.Kind, type.Format, new Dictionary<string, JsonObject>());
    }

    private static ProbeStage NewStage(ProbeStageOptions? options = null, RecordingLogger<ProbeStage>? logger = null) =>
        new(options ?? new ProbeStageOptions(), logger);

    private static async Task<JsonObject> ProbeOkAsync(string path)
    {
        var outcome = (await NewStage().RunAsync([Input(path)], CancellationToken.None)).Single();
        return Ok(outcome);
    }

    private static JsonObject Ok(StageOutcome outcome)
    {
        outcome.Error.Should().BeNull();
        return outcome.Result!;
    }

    private static string Failed(StageOutcome outcome)
    {
        outcome.Success.Should().BeFalse("the outcome was {0}", outcome.Result?.ToJsonString());
        return outcome.Error!;
    }

    private static string? Str(JsonObject json, string key) => (string?)json[key];

    // Through the JSON text: the nodes hold ints, longs or doubles, and GetValue wants the exact type.
    private static long Num(JsonObject json, string key) => long.Parse(json[key]!.ToJsonString(), CultureInfo.InvariantCulture);

    private static double Dbl(JsonObject json, string key) => double.Parse(json[key]!.ToJsonString(), CultureInfo.InvariantCulture);
}
