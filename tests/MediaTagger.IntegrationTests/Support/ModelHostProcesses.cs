using System.Diagnostics;
using System.Globalization;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>
/// A worker's model-host children as the system sees them (/proc, Linux), and signals to them: how a test plays the
/// OOM killer (kill -9) or a frozen host (kill -STOP). Only ever used on pids found as children of the test's own worker.
/// </summary>
public static class ModelHostProcesses
{
    public static void RequireProc()
    {
        Skip.IfNot(Directory.Exists("/proc/self/task"), "needs /proc (Linux) to find and signal model-host processes");
    }

    /// <summary>The running model host of <paramref name="workerPid"/> for <paramref name="stage"/>, or null while there is none.</summary>
    public static int? Find(int workerPid, string stage)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } stat && stat.ParentPid == workerPid && stat.State is not ('Z' or 'X') && IsModelHost(pid, stage))
            {
                return pid;
            }
        }

        return null;
    }

    /// <summary>True while <paramref name="pid"/> is a model-host process (stopped or not). An exited one (a zombie has no
    /// command line left) or a pid reused by another program is not.</summary>
    public static bool Exists(int pid) => Stat(pid) is not null && IsModelHost(pid, null);

    /// <summary>Sends a signal ("KILL", "STOP", "CONT") with kill(1), to a pid this test found with <see cref="Find"/>.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        kill.ExitCode.Should().Be(0, $"kill -{signal} {pid} must reach the model host");
    }

    /// <summary>Cleanup after a failed test: a host left stopped or running (and still a model host) is killed.</summary>
    public static void KillIfLeft(int? pid)
    {
        if (pid is { } p && Exists(p))
        {
            using var kill = Process.Start("kill", ["-KILL", p.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    private static bool IsModelHost(int pid, string? stage)
    {
        string[] args;
        try
        {
            args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var at = Array.IndexOf(args, "--stage");
        return args.Contains("model-host") && at >= 0 && at + 1 < args.Length && (stage is null || args[at + 1] == stage);
    }

    /// <summary>State letter and parent from /proc/PID/stat ("pid (comm) S ppid ..."; comm may hold spaces and parentheses).</summary>
    private static (char State, int ParentPid)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
    }
}
