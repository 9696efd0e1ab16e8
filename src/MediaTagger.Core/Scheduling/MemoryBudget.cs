using System.Globalization;
using System.Text.RegularExpressions;

namespace MediaTagger.Core.Scheduling;

/// <summary>
/// The memory models may hold at once, from worker:profile. 4gb and 8gb are GPU cards: their VRAM less a reserve for
/// the driver context and the desktop (512 MiB). cpu is half of this machine's memory (or of the container's limit).
/// An explicit size ("6144MB", "6GB") is taken as given.
/// </summary>
public sealed partial record MemoryBudget(string Profile, long Bytes)
{
    private const long MiB = 1L << 20;

    public static MemoryBudget Parse(string profile, long? machineBytes = null)
    {
        var p = (profile ?? "").Trim();
        switch (p.ToLowerInvariant())
        {
            case "cpu":
                var total = machineBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
                return new MemoryBudget("cpu", total / 2);
            case "4gb":
                return new MemoryBudget("4gb", (4096 - 512) * MiB);
            case "8gb":
                return new MemoryBudget("8gb", (8192 - 512) * MiB);
        }

        var match = SizePattern().Match(p);
        if (!match.Success)
        {
            throw new ArgumentException($"worker:profile '{profile}' is not cpu, 4gb, 8gb or a size like 6144MB", nameof(profile));
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var bytes = string.Equals(match.Groups[2].Value, "GB", StringComparison.OrdinalIgnoreCase) ? value * 1024 * MiB : value * MiB;
        return new MemoryBudget(p, (long)bytes);
    }

    public double MiBytes => Bytes / (double)MiB;

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(MB|GB)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
