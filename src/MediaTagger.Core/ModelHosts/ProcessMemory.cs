using System.Diagnostics;
using System.Globalization;

namespace MediaTagger.Core.ModelHosts;

/// <summary>Resident memory of a process (this one or a model host), from /proc on Linux, else the runtime's view.</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in bytes (VmRSS), or null when the process is gone.</summary>
    public static long? ResidentBytes(int pid) => StatusField(pid, "VmRSS:") ?? Fallback(pid, p => p.WorkingSet64);

    /// <summary>Peak resident set size in bytes (VmHWM), or null when the process is gone.</summary>
    public static long? PeakResidentBytes(int pid) => StatusField(pid, "VmHWM:") ?? Fallback(pid, p => p.PeakWorkingSet64);

    public static int CurrentProcessId => Environment.ProcessId;

    private static long? StatusField(int pid, string field)
    {
        var path = $"/proc/{pid}/status";
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }

        return null;
    }

    private static long? Fallback(int pid, Func<Process, long> read)
    {
        if (OperatingSystem.IsLinux())
        {
            return null; // /proc said the process is gone
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return read(process);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
