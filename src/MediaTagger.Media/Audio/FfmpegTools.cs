using System.Diagnostics;

namespace MediaTagger.Media.Audio;

/// <summary>Facts about the installed ffmpeg, for doctor.</summary>
public static class FfmpegTools
{
    /// <summary>The first line of `ffmpeg -version`, e.g. "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2025 the FFmpeg developers".</summary>
    /// <exception cref="MediaDecodeException">ffmpeg is missing, failed, or did not answer within 10 s.</exception>
    public static string Version(string ffmpegPath = "ffmpeg")
    {
        using var run = ToolProcess.Start(ffmpegPath, ["-hide_banner", "-version"]);
        using var reader = new StreamReader(run.Stdout);
        var readLine = reader.ReadToEndAsync();
        if (!readLine.Wait(TimeSpan.FromSeconds(10)))
        {
            run.Kill();
            throw new MediaDecodeException($"{ffmpegPath} -version did not answer within 10 s");
        }

        var output = readLine.Result;
        run.WaitForExitAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(5));
        var first = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (run.ExitCode != 0 || first is null)
        {
            throw new MediaDecodeException($"{ffmpegPath} -version failed (exit code {run.ExitCode}): {run.StderrAsync().Result}");
        }

        return first;
    }
}
