using System.Diagnostics;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>Test media made by a real ffmpeg process (arguments as a list, no shell); a failure fails the test with ffmpeg's message.</summary>
public static class FfmpegTool
{
    /// <summary>Runs ffmpeg with <paramref name="arguments"/> writing <paramref name="output"/>; returns the output path.</summary>
    public static string Make(string output, params string[] arguments)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-nostdin", "-hide_banner", "-loglevel", "error", "-y", .. arguments, output])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, stderr);
        return output;
    }
}
