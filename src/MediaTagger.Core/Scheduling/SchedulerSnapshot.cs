using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaTagger.Core.Scheduling;

/// <summary>A resident model: which stage, what it holds (at load and at the last heartbeat), which process.</summary>
public sealed record ResidentSnapshot(
    string Stage,
    string ModelId,
    bool Heavy,
    string Device,
    long FootprintBytes,
    long ResidentBytes,
    int? HostPid,
    DateTimeOffset LoadedAt,
    DateTimeOffset LastUsedAt,
    int Batches,
    int Tasks);

/// <summary>Claimable and waiting tasks of one stage.</summary>
public sealed record QueueSnapshot(string Stage, int Claimable, int Waiting, DateTimeOffset? OldestClaimableAt);

/// <summary>What a running worker's scheduler holds and has done, as `status` and `ps` show it.</summary>
public sealed record SchedulerSnapshot(
    int WorkerPid,
    DateTimeOffset At,
    string Profile,
    long BudgetBytes,
    long ResidentBytes,
    IReadOnlyList<ResidentSnapshot> Resident,
    IReadOnlyList<QueueSnapshot> Queue,
    int Loads,
    int Unloads,
    int Swaps,
    int Refusals,
    long TotalLoadMs)
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>The snapshot a worker left at <paramref name="path"/>, or null when there is none or it cannot be read.</summary>
    public static SchedulerSnapshot? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<SchedulerSnapshot>(File.ReadAllBytes(path), Json) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>True when the worker that wrote it is still running (its snapshot is live, not a leftover).</summary>
    public bool WorkerAlive
    {
        get
        {
            if (!OperatingSystem.IsLinux())
            {
                return ModelHosts.ProcessMemory.ResidentBytes(WorkerPid) is not null;
            }

            try
            {
                // The pid must still be a mediatagger process, not a reused number.
                return File.ReadAllText($"/proc/{WorkerPid}/cmdline").Contains("mediatagger", StringComparison.OrdinalIgnoreCase);
            }
            catch (IOException)
            {
                return false;
            }
        }
    }
}
