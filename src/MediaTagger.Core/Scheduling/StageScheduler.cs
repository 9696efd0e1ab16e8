using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core.Journal;
using MediaTagger.Core.ModelHosts;
using MediaTagger.Core.Processing;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.Scheduling;

/// <summary>The model a stage needs, as the catalog describes it.</summary>
/// <param name="EstimatedBytes">The catalog's estimate (weights x bytes per parameter + overhead); replaced by the measured footprint once known.</param>
public sealed record StageModel(string ModelId, bool Heavy, long EstimatedBytes)
{
    /// <summary>What the scheduler knows of a catalog model before its first load.</summary>
    public static StageModel Of(Models.ModelEntry model) => new(model.Id, model.Heavy, model.Footprint.EstimatedBytes);
}

/// <summary>How the scheduler weighs work and memory.</summary>
/// <param name="Aging">A stage whose oldest task waited this long may force a swap away from a resident model that still has work.</param>
/// <param name="IdleTtl">A resident model unused this long is unloaded.</param>
/// <param name="Device">The device models run on, for the measured footprint ("cpu" unless an execution provider is configured).</param>
/// <param name="HostOverheadBytes">Added to a catalog estimate when models run in model hosts: the runtime and native
/// libraries every host process carries besides the model (about 80 MiB measured on Linux x64).</param>
public sealed record SchedulerSettings(MemoryBudget Budget, TimeSpan Aging, TimeSpan IdleTtl, string Device = "cpu", long HostOverheadBytes = 0)
{
    /// <summary>The runtime and native libraries a model host process carries besides its model (measured on Linux x64).</summary>
    public const long ModelHostOverheadBytes = 80L << 20;

    /// <summary>The settings a worker runs with: its profile's budget, and the model-host overhead under process isolation.</summary>
    public static SchedulerSettings FromWorker(Configuration.WorkerOptions worker) => new(
        MemoryBudget.Parse(worker.Profile), TimeSpan.FromSeconds(worker.AgingSeconds), TimeSpan.FromSeconds(worker.ModelIdleSeconds),
        HostOverheadBytes: worker.Isolation == "process" ? ModelHostOverheadBytes : 0);
}

/// <summary>
/// The scheduler's memory rule, in one place for the scheduler and for `models plan`: what a model counts against the
/// budget before it loads (its footprint measured on this machine, else the catalog estimate plus the host overhead),
/// whether it can be admitted at all, and the most the resident set can reach (one heavy slot, light models beside it).
/// </summary>
public static class ModelAdmission
{
    /// <summary>The bytes a model needs before loading, and whether that was measured here (else the catalog estimate).</summary>
    public static (long Bytes, bool Measured) Need(StageModel model, SchedulerSettings settings, long? measuredBytes) =>
        measuredBytes is > 0 ? (measuredBytes.Value, true) : (model.EstimatedBytes + settings.HostOverheadBytes, false);

    /// <summary>A model that needs more than the whole budget is refused before loading; anything else can be made room for.</summary>
    public static bool Fits(long needBytes, MemoryBudget budget) => needBytes <= budget.Bytes;

    /// <summary>
    /// The largest resident set the scheduler would hold for these models: at most one heavy one (the largest) plus every
    /// light one. Over the budget is not a refusal: light models are unloaded, least recently used first, to make room.
    /// </summary>
    public static long Peak(IEnumerable<(bool Heavy, long Bytes)> models)
    {
        var list = models.ToList();
        return list.Where(m => m.Heavy).Select(m => m.Bytes).DefaultIfEmpty(0).Max() + list.Where(m => !m.Heavy).Sum(m => m.Bytes);
    }

    /// <summary>The smallest profile, in whole GiB, that would admit <paramref name="needBytes"/> (for example "6144MB").</summary>
    public static string ProfileFor(long needBytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(needBytes / 1048576.0 / 1024) * 1024:0}MB");
}

/// <summary>A model that cannot fit the budget is refused before loading; the message gives the numbers.</summary>
public sealed class ModelRefusedException(string message) : Exception(message);

/// <summary>
/// Decides which stage runs next and keeps the models resident within the memory budget (../shared/DESIGN.md, "The
/// stage scheduler's rules"):
/// <list type="bullet">
/// <item>a resident model (or a model-free stage) drains every claimable task for it, across all files, before a swap;</item>
/// <item>otherwise the stage with the most pending work x age x priority goes next, and a stage whose oldest task has
/// waited longer than the aging limit goes first, so a trickle of new files cannot starve it;</item>
/// <item>at most one heavy model is resident; light ones stay beside it while the budget allows, least recently used
/// out first; one unused for the idle TTL is unloaded;</item>
/// <item>a model whose footprint (measured on this machine, else the catalog's estimate) exceeds the budget is refused
/// before loading.</item>
/// </list>
/// Each load and unload is journaled by the <see cref="StageSet"/>; the live picture is written to a snapshot file
/// that `status` and `ps` read.
/// </summary>
public sealed partial class StageScheduler : IDisposable
{
    private readonly IJournal journal;
    private readonly StageSet stages;
    private readonly SchedulerSettings settings;
    private readonly Func<string, StageModel?> modelOf;
    private readonly Func<string, double> priorityOf;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly string? snapshotPath;
    private readonly Dictionary<string, Resident> resident = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StageModel?> models = new(StringComparer.Ordinal);
    private string? lastSnapshot;
    private readonly Lock gate = new();
    private int loads;
    private int unloads;
    private int swaps;
    private int refusals;
    private long totalLoadMs;

    public StageScheduler(IJournal journal, StageSet stages, SchedulerSettings settings, Func<string, StageModel?> modelOf,
        TimeProvider time, ILogger logger, string? snapshotPath = null, Func<string, double>? priorityOf = null)
    {
        this.journal = journal;
        this.stages = stages;
        this.settings = settings;
        this.modelOf = modelOf;
        this.priorityOf = priorityOf ?? (_ => 1.0);
        this.time = time;
        this.logger = logger;
        this.snapshotPath = snapshotPath;
    }

    public SchedulerSettings Settings => settings;

    /// <summary>The stage to run next, or null when nothing is claimable.</summary>
    public string? Pick(IReadOnlyList<StageBacklog> backlog, DateTimeOffset now)
    {
        var candidates = backlog.Where(b => b.Claimable > 0).ToArray();
        if (candidates.Length == 0)
        {
            return null;
        }

        TimeSpan Age(StageBacklog b) => now - (b.OldestClaimableAt ?? now);
        double Score(StageBacklog b) => b.Claimable * (1 + (Age(b).TotalSeconds / Math.Max(1, settings.Aging.TotalSeconds))) * priorityOf(b.Stage);

        // Fairness first: a stage that would need a load and has waited past the aging limit is not put off again.
        var starving = candidates.Where(b => !IsWarm(b.Stage) && Age(b) > settings.Aging).OrderByDescending(Age).FirstOrDefault();
        if (starving is not null)
        {
            return starving.Stage;
        }

        // Drain: a stage that needs no load (its model is resident, or it has none) runs before any swap.
        var warm = candidates.Where(b => IsWarm(b.Stage)).OrderByDescending(Score).FirstOrDefault();
        return (warm ?? candidates.OrderByDescending(Score).First()).Stage;
    }

    /// <summary>
    /// The stage, ready to run: its model loaded (after making room) or already resident. Throws
    /// <see cref="ModelRefusedException"/> when the model cannot fit, or the stage's own reason when it cannot load.
    /// </summary>
    public IStage Acquire(string stageName)
    {
        var model = ModelFor(stageName);
        if (model is null)
        {
            return stages.Get(stageName);
        }

        lock (gate)
        {
            var now = time.GetUtcNow();
            if (resident.TryGetValue(stageName, out var current))
            {
                if (current.Stage is IResidentModel { Fault: { } fault })
                {
                    Unload(stageName, $"its host failed: {fault}");
                }
                else
                {
                    current.LastUsedAt = now;
                    return current.Stage;
                }
            }

            var (need, measured) = ModelAdmission.Need(model, settings, journal.MeasuredFootprintBytes(model.ModelId, settings.Device));
            if (!ModelAdmission.Fits(need, settings.Budget))
            {
                refusals++;
                var message = string.Create(CultureInfo.InvariantCulture,
                    $"model {model.ModelId} for stage {stageName} needs {need / 1048576.0:0.#} MiB ({(measured ? "measured on this machine" : "catalog estimate")}) but the '{settings.Budget.Profile}' profile allows {settings.Budget.MiBytes:0.#} MiB: choose a smaller model for this stage, or raise worker:profile (for example --set worker:profile={ModelAdmission.ProfileFor(need)})");
                LogRefused(logger, message);
                WriteSnapshot(null);
                throw new ModelRefusedException(message);
            }

            var evicted = false;
            if (model.Heavy)
            {
                foreach (var heavy in resident.Where(r => r.Value.Model.Heavy).Select(r => r.Key).ToArray())
                {
                    Unload(heavy, $"swap: heavy model {model.ModelId} takes the heavy slot");
                    evicted = true;
                }
            }

            while (resident.Count > 0 && ResidentBytes() + need > settings.Budget.Bytes)
            {
                var oldest = resident.MinBy(r => r.Value.LastUsedAt).Key;
                Unload(oldest, string.Create(CultureInfo.InvariantCulture, $"swap: {model.ModelId} needs {need / 1048576.0:0} MiB of the {settings.Budget.MiBytes:0} MiB budget"));
                evicted = true;
            }

            if (evicted)
            {
                swaps++;
            }

            var clock = Stopwatch.StartNew();
            var stage = stages.Get(stageName);
            var loadMs = clock.ElapsedMilliseconds;
            var footprint = stage is IResidentModel hosted ? hosted.FootprintBytes : need;
            resident[stageName] = new Resident(stageName, model, stage, need, footprint, now) { LastUsedAt = now };
            loads++;
            totalLoadMs += loadMs;
            var residentMiB = ResidentBytes() / 1048576.0;
            LogLoaded(logger, model.ModelId, stageName, loadMs, footprint / 1048576.0, residentMiB, settings.Budget.MiBytes);
            return stage;
        }
    }

    /// <summary>After a batch: counts it, and drops a stage whose host failed so the next batch starts a new one.</summary>
    public void Completed(string stageName, IStage stage, int tasks)
    {
        lock (gate)
        {
            if (resident.TryGetValue(stageName, out var r))
            {
                r.Batches++;
                r.Tasks += tasks;
                r.LastUsedAt = time.GetUtcNow();
            }

            if (stage is IResidentModel { Fault: { } fault })
            {
                Unload(stageName, $"its host failed: {fault}");
            }
        }
    }

    /// <summary>Unloads models unused for the idle TTL. Returns how many.</summary>
    public int ReleaseIdle(DateTimeOffset now)
    {
        lock (gate)
        {
            var idle = resident.Where(r => now - r.Value.LastUsedAt >= settings.IdleTtl).Select(r => r.Key).ToArray();
            foreach (var stage in idle)
            {
                Unload(stage, string.Create(CultureInfo.InvariantCulture, $"idle for {settings.IdleTtl.TotalSeconds:0} s"));
            }

            return idle.Length;
        }
    }

    /// <summary>Unloads every resident model (end of a `tag` run, shutdown).</summary>
    public void ReleaseAll(string reason)
    {
        lock (gate)
        {
            foreach (var stage in resident.Keys.ToArray())
            {
                Unload(stage, reason);
            }
        }
    }

    /// <summary>The live picture: resident models against the budget, the queue per stage, swap accounting.</summary>
    public SchedulerSnapshot Snapshot(IReadOnlyList<StageBacklog>? backlog)
    {
        lock (gate)
        {
            var models = resident.Values.OrderBy(r => r.LoadedAt).Select(r => new ResidentSnapshot(
                r.StageName, r.Model.ModelId, r.Model.Heavy, r.Stage.Device, r.CountedBytes,
                r.Stage is IResidentModel h ? h.ResidentBytes : r.CountedBytes,
                r.Stage is IResidentModel p ? p.ProcessId : null,
                r.LoadedAt, r.LastUsedAt, r.Batches, r.Tasks)).ToArray();
            var queue = (backlog ?? []).Select(b => new QueueSnapshot(b.Stage, b.Claimable, b.Waiting, b.OldestClaimableAt)).ToArray();
            return new SchedulerSnapshot(Environment.ProcessId, time.GetUtcNow(), settings.Budget.Profile, settings.Budget.Bytes,
                models.Sum(m => m.FootprintBytes), models, queue, loads, unloads, swaps, refusals, totalLoadMs);
        }
    }

    /// <summary>Writes <see cref="Snapshot"/> for `status` and `ps` (atomically; a failure to write is only logged).</summary>
    public void WriteSnapshot(IReadOnlyList<StageBacklog>? backlog)
    {
        if (snapshotPath is null)
        {
            return;
        }

        try
        {
            // The idle worker calls this every second: the file is rewritten only when what it says has changed.
            var snapshot = Snapshot(backlog);
            var content = JsonSerializer.Serialize(snapshot with { At = default }, SchedulerSnapshot.Json);
            if (content == lastSnapshot && File.Exists(snapshotPath))
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(snapshotPath)!);
            var temp = snapshotPath + ".tmp";
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(snapshot, SchedulerSnapshot.Json));
            File.Move(temp, snapshotPath, overwrite: true);
            lastSnapshot = content;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSnapshotFailed(logger, snapshotPath, ex.Message);
        }
    }

    public void Dispose()
    {
        ReleaseAll("the worker stopped");
        WriteSnapshot(null);
    }

    /// <summary>A stage's model never changes while the worker runs: resolved (options parsed, catalog read) once.</summary>
    private StageModel? ModelFor(string stageName) => models.GetOrAdd(stageName, modelOf);

    private bool IsWarm(string stageName)
    {
        if (ModelFor(stageName) is null)
        {
            return true;
        }

        lock (gate)
        {
            return resident.TryGetValue(stageName, out var r) && r.Stage is not IResidentModel { Fault: not null };
        }
    }

    private long ResidentBytes() => resident.Values.Sum(r => r.CountedBytes);

    private void Unload(string stageName, string reason)
    {
        if (!resident.Remove(stageName, out var r))
        {
            return;
        }

        unloads++;
        LogUnloaded(logger, r.Model.ModelId, stageName, reason);
        stages.Release(stageName, reason);
    }

    private sealed class Resident(string stageName, StageModel model, IStage stage, long admittedBytes, long footprintBytes, DateTimeOffset loadedAt)
    {
        public string StageName { get; } = stageName;

        public StageModel Model { get; } = model;

        public IStage Stage { get; } = stage;

        /// <summary>What the budget counts: the most of what it was admitted at (the last measured peak, or the
        /// estimate), its footprint when loaded, and its peak so far, so a model that grows while working is not
        /// under-counted when the next one asks for room.</summary>
        public long CountedBytes => Math.Max(admittedBytes, Math.Max(footprintBytes, Stage is IResidentModel h ? h.PeakResidentBytes : 0));

        public DateTimeOffset LoadedAt { get; } = loadedAt;

        public DateTimeOffset LastUsedAt { get; set; }

        public int Batches { get; set; }

        public int Tasks { get; set; }
    }

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "Loaded {Model} for stage {Stage} in {LoadMs} ms: {FootprintMiB:0.0} MiB; resident {ResidentMiB:0.0} of {BudgetMiB:0} MiB")]
    private static partial void LogLoaded(ILogger logger, string model, string stage, long loadMs, double footprintMiB, double residentMiB, double budgetMiB);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Information, Message = "Unloaded {Model} (stage {Stage}): {Reason}")]
    private static partial void LogUnloaded(ILogger logger, string model, string stage, string reason);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Error, Message = "Refused: {Message}")]
    private static partial void LogRefused(ILogger logger, string message);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Warning, Message = "Cannot write the scheduler snapshot {Path}: {Reason}")]
    private static partial void LogSnapshotFailed(ILogger logger, string path, string reason);
}
