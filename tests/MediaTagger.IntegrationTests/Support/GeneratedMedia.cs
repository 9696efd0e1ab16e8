using System.Diagnostics;
using MediaTagger.Native.Vips;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>
/// Small media files in every container the sniffer and the probe stage know, made once per test run with ffmpeg
/// (1 s of a 64x48 test pattern and a 440 Hz tone) and libvips (from chelsea.png). A file whose encoder is missing
/// is recorded with the reason, and the tests that need it skip with that reason.
/// </summary>
public sealed class GeneratedMedia : IDisposable
{
    private static readonly string[] VideoIn = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=1"];
    private static readonly string[] ToneIn = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1"];
    private static readonly string[] H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];

    private readonly Dictionary<string, string> files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> missing = new(StringComparer.Ordinal);

    public GeneratedMedia()
    {
        Folder = Directory.CreateTempSubdirectory("mt-generated-").FullName;
        if (!OnPath("ffmpeg"))
        {
            SetupProblem = "ffmpeg is not on PATH: apt-get install ffmpeg";
            return;
        }

        var subtitles = Path.Combine(Folder, "subs.srt");
        File.WriteAllText(subtitles, "1\n00:00:00,000 --> 00:00:00,900\nBonjour\n");

        Ffmpeg("h264-aac.mp4", [.. VideoIn, .. ToneIn, .. H264, "-c:a", "aac", "-shortest"]);
        Ffmpeg("h264-aac-subs.mkv", [.. VideoIn, .. ToneIn, "-i", subtitles, "-map", "0:v", "-map", "1:a", "-map", "2:s", .. H264, "-c:a", "aac",
            "-c:s", "srt", "-metadata:s:a:0", "language=eng", "-metadata:s:s:0", "language=fra", "-shortest"]);
        Ffmpeg("vp9-opus.webm", [.. VideoIn, .. ToneIn, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus", "-shortest"]);
        Ffmpeg("h264-aac.mov", [.. VideoIn, .. ToneIn, .. H264, "-c:a", "aac", "-shortest"]);
        Ffmpeg("mpeg4-mp3.avi", [.. VideoIn, .. ToneIn, "-c:v", "mpeg4", "-c:a", "libmp3lame", "-shortest"]);
        Ffmpeg("theora-vorbis.ogv", [.. VideoIn, .. ToneIn, "-c:v", "libtheora", "-c:a", "libvorbis", "-shortest"]);
        Ffmpeg("h264-aac.ts", [.. VideoIn, .. ToneIn, .. H264, "-c:a", "aac", "-shortest", "-f", "mpegts"]);
        Ffmpeg("tone.flac", [.. ToneIn, "-c:a", "flac"]);
        Ffmpeg("tone.ogg", [.. ToneIn, "-c:a", "libvorbis"]);
        Ffmpeg("tone.opus", [.. ToneIn, "-c:a", "libopus"]);
        Ffmpeg("tone.m4a", [.. ToneIn, "-c:a", "aac"]);
        Ffmpeg("aac-only.mp4", [.. ToneIn, "-c:a", "aac", "-f", "mp4"]);
        Ffmpeg("tone.aac", [.. ToneIn, "-c:a", "aac", "-f", "adts"]);
        Ffmpeg("tone-no-id3.mp3", [.. ToneIn, "-c:a", "libmp3lame", "-write_id3v2", "0"]);
        Ffmpeg("tone.wav", [.. ToneIn, "-c:a", "pcm_s16le"]);

        var chelsea = Path.Combine(TestAssets.SharedDirectory, "media", "images", "chelsea.png");
        if (!File.Exists(chelsea))
        {
            foreach (var name in new[] { "chelsea.jpg", "chelsea.webp", "chelsea.tif", "chelsea.gif", "chelsea.bmp", "chelsea.heic", "chelsea.avif", "cover-art.mp4" })
            {
                missing[name] = $"{chelsea} is missing";
            }

            return;
        }

        Ffmpeg("cover-art.mp4", [.. ToneIn, "-i", chelsea, "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "png", "-disposition:v", "attached_pic", "-f", "mp4"]);
        Ffmpeg("chelsea.gif", ["-i", chelsea, "-frames:v", "1"]);
        Ffmpeg("chelsea.bmp", ["-i", chelsea, "-frames:v", "1"]);
        Ffmpeg("chelsea.avif", ["-i", chelsea, "-frames:v", "1", "-c:v", "libaom-av1", "-still-picture", "1", "-cpu-used", "8", "-pix_fmt", "yuv420p"]);
        RgbImage pixels;
        try
        {
            pixels = VipsImaging.Decode(chelsea);
        }
        catch (Exception ex)
        {
            foreach (var name in new[] { "chelsea.jpg", "chelsea.webp", "chelsea.tif", "chelsea.heic" })
            {
                missing[name] = "libvips could not decode chelsea.png: " + ex.Message;
            }

            return;
        }

        foreach (var name in new[] { "chelsea.jpg", "chelsea.webp", "chelsea.tif", "chelsea.heic" })
        {
            var path = Path.Combine(Folder, name);
            try
            {
                VipsImaging.Save(pixels, path);
                files[name] = path;
            }
            catch (Exception ex)
            {
                missing[name] = "libvips cannot write it here: " + ex.Message;
            }
        }
    }

    public string Folder { get; }

    /// <summary>Why nothing could be generated (no ffmpeg), or null.</summary>
    public string? SetupProblem { get; }

    /// <summary>Every generated file by name.</summary>
    public IReadOnlyDictionary<string, string> Files => files;

    /// <summary>The path of a generated file; skips the test (with the reason) when it could not be made here.</summary>
    public string Get(string name)
    {
        var problem = SetupProblem ?? (missing.TryGetValue(name, out var reason) ? $"{name} could not be generated: {reason}" : null);
        if (problem is not null)
        {
            // In CI (MEDIATAGGER_REQUIRE_ASSETS=1) a missing encoder is a broken image, not a reason to skip.
            throw TestAssets.Required ? new InvalidOperationException("MEDIATAGGER_REQUIRE_ASSETS=1 but " + problem) : new SkipException(problem);
        }

        return files.TryGetValue(name, out var path) ? path : throw new ArgumentException($"no generated file named {name}", nameof(name));
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private void Ffmpeg(string name, string[] arguments)
    {
        var output = Path.Combine(Folder, name);
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-nostdin", "-hide_banner", "-loglevel", "error", "-y", .. arguments, output])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            missing[name] = "ffmpeg did not finish within 60 s";
            return;
        }

        if (process.ExitCode != 0 || !File.Exists(output) || new FileInfo(output).Length == 0)
        {
            missing[name] = $"ffmpeg failed (exit code {process.ExitCode}): {stderr.Result.Trim()}";
            return;
        }

        files[name] = output;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));
}

[CollectionDefinition(Name)]
public sealed class GeneratedMediaGroup : ICollectionFixture<GeneratedMedia>
{
    public const string Name = "generated media";
}
