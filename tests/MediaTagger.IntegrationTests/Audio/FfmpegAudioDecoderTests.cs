using System.Diagnostics;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Media;
using MediaTagger.Media.Audio;

namespace MediaTagger.IntegrationTests.Audio;

/// <summary>The ffmpeg/ffprobe CLI decoder against real files.</summary>
public sealed class FfmpegAudioDecoderTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("mt-audio-");
    private readonly FfmpegAudioDecoder decoder = new();

    public void Dispose() => work.Delete(recursive: true);

    [SkippableTheory]
    [InlineData("audio/jfk.mp3")]
    [InlineData("audio/jfk.wav")]
    public async Task Jfk_decodes_to_11_seconds_of_16_kHz_mono_speech(string file)
    {
        var path = Media(file);

        var pcm = await decoder.DecodeAsync(path);

        (pcm.Length / 16000.0).Should().BeApproximately(11.0, 0.05);
        pcm.Max(Math.Abs).Should().BeGreaterThan(0.1f, "it is speech, not silence");
        pcm.Should().OnlyContain(s => s >= -1.0f && s <= 1.0f);
    }

    [SkippableTheory]
    [InlineData("sense_and_sensibility_01_austen_64kb-0870.wav")]
    [InlineData("sense_and_sensibility_01_austen_64kb-0880.wav")]
    [InlineData("sense_and_sensibility_01_austen_64kb-0890.wav")]
    [InlineData("sense_and_sensibility_01_austen_64kb-0920.wav")]
    [InlineData("sense_and_sensibility_01_austen_64kb-0930.wav")]
    public async Task Librivox_readings_decode_to_their_ffprobe_duration(string file)
    {
        var path = Media("audio/librivox/" + file);

        var probe = await decoder.FfprobeAsync(path);
        var pcm = await decoder.DecodeAsync(path);

        probe.Duration.Should().NotBeNull();
        probe.AudioStreams.Should().ContainSingle().Which.SampleRate.Should().Be(16000);
        (pcm.Length / 16000.0).Should().BeApproximately(probe.Duration!.Value.TotalSeconds, 0.05);
    }

    [SkippableFact]
    public async Task Stereo_output_interleaves_two_channels()
    {
        var path = Media("audio/jfk.wav");

        var stereo = await decoder.DecodeAsync(path, new AudioDecodeOptions { Channels = 2, SampleRate = 8000 });

        stereo.Length.Should().Be(2 * 8000 * 11);
    }

    [SkippableFact]
    public async Task A_truncated_mp3_followed_by_garbage_fails_with_ffmpegs_message()
    {
        var jfk = Media("audio/jfk.mp3");
        var broken = Path.Combine(work.FullName, "broken.mp3");
        var garbage = new byte[64 * 1024];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(broken, [.. File.ReadAllBytes(jfk).Take(1000), .. garbage]);

        var started = Stopwatch.StartNew();
        var error = (await decoder.Invoking(d => d.DecodeAsync(broken)).Should().ThrowAsync<MediaDecodeException>()).Which;

        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "a broken file fails, it does not hang");
        error.ExitCode.Should().NotBe(0);
        error.MediaPath.Should().Be(broken);
        error.ToolOutput.Should().NotBeNullOrWhiteSpace();
        error.Message.Should().Contain(broken).And.Contain(error.ToolOutput!).And.Contain("Invalid data");
    }

    [SkippableFact]
    public async Task A_text_file_named_mp3_fails_with_ffmpegs_message()
    {
        RequireFfmpeg();
        var text = Path.Combine(work.FullName, "notes.mp3");
        await File.WriteAllTextAsync(text, "These are meeting notes, not audio.\n");

        var error = (await decoder.Invoking(d => d.DecodeAsync(text)).Should().ThrowAsync<MediaDecodeException>()).Which;

        error.ExitCode.Should().NotBe(0);
        error.ToolOutput.Should().NotBeNullOrWhiteSpace();
        error.Message.Should().Contain("notes.mp3").And.Contain(error.ToolOutput!);
    }

    [SkippableFact]
    public async Task A_missing_file_is_a_media_decode_exception()
    {
        RequireFfmpeg();
        var missing = Path.Combine(work.FullName, "nowhere.wav");

        await decoder.Invoking(d => d.DecodeAsync(missing)).Should().ThrowAsync<MediaDecodeException>().WithMessage("*does not exist*");
    }

    [SkippableFact]
    public async Task A_file_that_never_delivers_data_is_killed_at_the_timeout()
    {
        RequireFfmpeg();
        var fifo = MakeFifo("stuck.wav"); // ffmpeg blocks opening it: nobody ever writes

        var started = Stopwatch.StartNew();
        var error = (await decoder.Invoking(d => d.DecodeAsync(fifo, new AudioDecodeOptions { Timeout = TimeSpan.FromSeconds(1) }))
            .Should().ThrowAsync<MediaDecodeException>()).Which;

        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        error.Message.Should().Contain("within").And.Contain("killed");
        error.InnerException.Should().BeOfType<TimeoutException>();
    }

    [SkippableFact]
    public async Task Without_a_language_the_track_the_container_marks_default_is_decoded()
    {
        var firstIsDefault = await TwoLanguageFileAsync();
        var germanIsDefault = await TwoLanguageFileAsync(germanIsDefault: true);

        (await decoder.DecodeAsync(firstIsDefault)).Length.Should().BeCloseTo(16000, 400, "the eng track (1 s) is the default, as ffmpeg marks the first");
        (await decoder.DecodeAsync(germanIsDefault)).Length.Should().BeCloseTo(32000, 400, "the deu track (2 s) is marked default");
        (await decoder.DecodeAsync(germanIsDefault, new AudioDecodeOptions { Language = "eng" })).Length.Should().BeCloseTo(16000, 400, "a configured language wins");
    }

    [SkippableFact]
    public async Task Cancelling_stops_ffmpeg_with_operation_canceled()
    {
        RequireFfmpeg();
        var fifo = MakeFifo("stuck.mp3");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var started = Stopwatch.StartNew();
        await decoder.Invoking(d => d.DecodeAsync(fifo, cancellationToken: cts.Token)).Should().ThrowAsync<OperationCanceledException>();

        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
    }

    [SkippableFact]
    public async Task Two_second_windows_of_jfk_mp3_add_up_to_the_whole_decode()
    {
        var path = Media("audio/jfk.mp3");
        var whole = await decoder.DecodeAsync(path);

        var windows = new List<AudioWindow>();
        await foreach (var window in decoder.StreamWindowsAsync(path, TimeSpan.FromSeconds(2)))
        {
            windows.Add(window);
        }

        windows.Select(w => w.StartSeconds).Should().Equal(0, 2, 4, 6, 8, 10);
        windows.SkipLast(1).Should().OnlyContain(w => w.Samples.Length == 32000);
        windows.Sum(w => w.Samples.Length).Should().Be(whole.Length);
        windows.SelectMany(w => w.Samples).Should().Equal(whole, "streaming yields the same samples, in order");
    }

    [SkippableFact]
    public async Task Stopping_a_stream_early_ends_it_and_a_broken_file_fails_after_its_good_windows()
    {
        var path = Media("audio/jfk.mp3");
        await foreach (var window in decoder.StreamWindowsAsync(path, TimeSpan.FromSeconds(1)))
        {
            window.StartSeconds.Should().Be(0);
            break; // disposing the enumerator kills ffmpeg
        }

        var broken = Path.Combine(work.FullName, "broken.mp3");
        var garbage = new byte[64 * 1024];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(broken, [.. File.ReadAllBytes(path).Take(1000), .. garbage]);
        var seen = 0;
        var stream = async () =>
        {
            await foreach (var _ in decoder.StreamWindowsAsync(broken, TimeSpan.FromSeconds(1)))
            {
                seen++;
            }
        };
        await stream.Should().ThrowAsync<MediaDecodeException>().WithMessage("*Invalid data*");
    }

    [SkippableFact]
    public async Task Streams_are_chosen_by_index_or_language()
    {
        var mkv = await TwoLanguageFileAsync();

        var probe = await decoder.FfprobeAsync(mkv);
        probe.AudioStreams.Select(s => (s.Index, s.Language)).Should().Equal((1, "eng"), (2, "deu"));

        (await decoder.DecodeAsync(mkv)).Length.Should().BeCloseTo(16000, 400, "the first audio stream (eng, 1 s) is the default");
        (await decoder.DecodeAsync(mkv, new AudioDecodeOptions { Language = "deu" })).Length.Should().BeCloseTo(32000, 400);
        (await decoder.DecodeAsync(mkv, new AudioDecodeOptions { StreamIndex = 1 })).Length.Should().BeCloseTo(16000, 400);

        var error = (await decoder.Invoking(d => d.DecodeAsync(mkv, new AudioDecodeOptions { Language = "fra" }))
            .Should().ThrowAsync<MediaDecodeException>()).Which;
        error.Message.Should().Contain("fra").And.Contain("eng").And.Contain("deu");

        await decoder.Invoking(d => d.DecodeAsync(mkv, new AudioDecodeOptions { StreamIndex = 7 }))
            .Should().ThrowAsync<MediaDecodeException>().WithMessage("*exit code*");
    }

    [SkippableFact]
    public void Ffmpeg_version_line_is_reported_for_doctor()
    {
        RequireFfmpeg();

        FfmpegTools.Version().Should().StartWith("ffmpeg version ");
        FluentActions.Invoking(() => FfmpegTools.Version("/nonexistent/ffmpeg")).Should().Throw<MediaDecodeException>().WithMessage("*install ffmpeg*");
    }

    private static string Media(string relative)
    {
        RequireFfmpeg();
        return TestAssets.Media(relative);
    }

    private static void RequireFfmpeg()
    {
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
    }

    private string MakeFifo(string name)
    {
        TestAssets.RequireTool("mkfifo");
        var path = Path.Combine(work.FullName, name);
        RunTool("mkfifo", path);
        return path;
    }

    /// <summary>A Matroska file: a video stream, then eng audio (1 s) and deu audio (2 s); optionally deu is the default track.</summary>
    private async Task<string> TwoLanguageFileAsync(bool germanIsDefault = false)
    {
        RequireFfmpeg();
        var path = Path.Combine(work.FullName, germanIsDefault ? "two-languages-deu-default.mkv" : "two-languages.mkv");
        string[] dispositions = germanIsDefault ? ["-disposition:a:0", "0", "-disposition:a:1", "default"] : [];
        await Task.Run(() => RunTool("ffmpeg", ["-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=48000",
            "-f", "lavfi", "-i", "sine=frequency=880:duration=2:sample_rate=44100",
            "-f", "lavfi", "-i", "color=c=black:s=64x48:d=2",
            "-map", "2:v", "-map", "0:a", "-map", "1:a", "-c:v", "mpeg4", "-c:a:0", "aac", "-c:a:1", "flac",
            "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=deu", .. dispositions, path]));
        return path;
    }

    private static void RunTool(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"{tool} failed: {stderr}");
    }
}
