using MediaTagger.Core.MediaFiles;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Probe;

/// <summary>The sniffer against real files: the shared test media and files made by ffmpeg and libvips.</summary>
[Collection(GeneratedMediaGroup.Name)]
public sealed class MediaSnifferFileTests(GeneratedMedia generated)
{
    [SkippableFact]
    public void Every_file_in_the_shared_media_folder_is_recognised_by_its_content()
    {
        var folder = Path.GetDirectoryName(TestAssets.Media("images/chelsea.png"))!;
        var root = Path.GetDirectoryName(folder)!;
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        files.Should().HaveCountGreaterThan(10);

        foreach (var file in files)
        {
            var (kind, format) = Path.GetExtension(file) switch
            {
                ".png" => (MediaKind.Image, "png"),
                ".wav" => (MediaKind.Audio, "wav"),
                ".mp3" => (MediaKind.Audio, "mp3"),
                _ => (MediaKind.Unknown, "unknown"), // MANIFEST.md, transcription: text
            };

            var type = MediaSniffer.DetectFile(file);

            type.Kind.Should().Be(kind, file);
            type.Format.Should().Be(format, file);
        }
    }

    [SkippableTheory]
    [InlineData("h264-aac.mp4", MediaKind.Video, "mp4", "video/mp4")]
    [InlineData("h264-aac-subs.mkv", MediaKind.Video, "mkv", "video/x-matroska")]
    [InlineData("vp9-opus.webm", MediaKind.Video, "webm", "video/webm")]
    [InlineData("h264-aac.mov", MediaKind.Video, "mov", "video/quicktime")]
    [InlineData("mpeg4-mp3.avi", MediaKind.Video, "avi", "video/x-msvideo")]
    [InlineData("theora-vorbis.ogv", MediaKind.Video, "ogv", "video/ogg")]
    [InlineData("h264-aac.ts", MediaKind.Video, "ts", "video/mp2t")]
    [InlineData("tone.flac", MediaKind.Audio, "flac", "audio/flac")]
    [InlineData("tone.ogg", MediaKind.Audio, "ogg", "audio/ogg")]
    [InlineData("tone.opus", MediaKind.Audio, "opus", "audio/ogg")]
    [InlineData("tone.m4a", MediaKind.Audio, "m4a", "audio/mp4")]
    [InlineData("tone.aac", MediaKind.Audio, "aac", "audio/aac")]
    [InlineData("tone-no-id3.mp3", MediaKind.Audio, "mp3", "audio/mpeg")]
    [InlineData("tone.wav", MediaKind.Audio, "wav", "audio/wav")]
    // By content an MP4 holding only audio looks like any MP4; the probe stage corrects the kind from its streams.
    [InlineData("aac-only.mp4", MediaKind.Video, "mp4", "video/mp4")]
    [InlineData("chelsea.jpg", MediaKind.Image, "jpeg", "image/jpeg")]
    [InlineData("chelsea.webp", MediaKind.Image, "webp", "image/webp")]
    [InlineData("chelsea.tif", MediaKind.Image, "tiff", "image/tiff")]
    [InlineData("chelsea.gif", MediaKind.Image, "gif", "image/gif")]
    [InlineData("chelsea.bmp", MediaKind.Image, "bmp", "image/bmp")]
    [InlineData("chelsea.heic", MediaKind.Image, "heic", "image/heic")]
    [InlineData("chelsea.avif", MediaKind.Image, "avif", "image/avif")]
    public void Generated_files_are_recognised_by_their_content(string name, MediaKind kind, string format, string mime)
    {
        var path = generated.Get(name);

        MediaSniffer.DetectFile(path).Should().Be(new MediaType(kind, format, mime));
        MediaSniffer.ExtensionMismatch(MediaSniffer.DetectFile(path), path).Should().BeNull();
    }

    [SkippableFact]
    public void A_file_renamed_to_another_format_is_still_known_by_its_content_and_the_mismatch_is_noted()
    {
        var flac = generated.Get("tone.flac");
        var renamed = Path.Combine(generated.Folder, "renamed-flac.jpg");
        File.Copy(flac, renamed, overwrite: true);

        var type = MediaSniffer.DetectFile(renamed);

        type.Should().Be(MediaSniffer.Flac);
        MediaSniffer.ExtensionMismatch(type, renamed).Should().Be("content is flac but the extension says .jpg");
    }
}
