using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.ModelHosts;

/// <summary>Limits on a model host: how long it may take to load, to answer at all, and to finish a batch.</summary>
/// <param name="Load">From start to "ready".</param>
/// <param name="Heartbeat">Silence (no frame at all) after which the host counts as hung and is killed.</param>
/// <param name="BatchBase">A batch's deadline is this plus <paramref name="PerTask"/> per task.</param>
/// <param name="Shutdown">How long a host may take to exit after "shutdown", or to answer a cancel, before it is killed.</param>
/// <param name="PerMediaSecond">Added per second of audio or video in the batch (the probe's duration): a 3-hour podcast
/// may take hours to transcribe on a CPU, which is not a hang.</param>
public sealed record ModelHostLimits(TimeSpan Load, TimeSpan Heartbeat, TimeSpan BatchBase, TimeSpan PerTask, TimeSpan Shutdown, double PerMediaSecond = 10)
{
    public static ModelHostLimits Default { get; } = new(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

    public TimeSpan BatchDeadline(int tasks, double mediaSeconds = 0) =>
        BatchBase + (PerTask * tasks) + TimeSpan.FromSeconds(Math.Max(0, mediaSeconds) * PerMediaSecond);

    /// <summary>The seconds of audio or video in a batch, from the probe results it carries.</summary>
    public static double MediaSecondsOf(IReadOnlyList<StageInput> batch) => batch.Sum(i =>
        i.EarlierResults.TryGetValue("probe", out var probe) && probe["duration"] is JsonValue v && v.TryGetValue<double>(out var seconds) ? seconds : 0);
}

/// <summary>A model host failed: it crashed, hung, or broke the protocol. Its in-flight batch fails; the tasks retry.</summary>
public sealed class ModelHostException : Exception
{
    public ModelHostException(string message)
        : base(message)
    {
    }

    public ModelHostException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ModelHostException(string message, bool transient)
        : base(message)
    {
        Transient = transient;
    }

    /// <summary>
    /// True when the host died or hung (a crash, the OOM killer, kill -9, a load timeout): another try may succeed.
    /// False when the host itself reported that it cannot load its model (not installed, engine missing).
    /// </summary>
    public bool Transient { get; } = true;
}

/// <summary>
/// The worker's handle on a model host: an <see cref="IStage"/> whose batches run in another process. The host is
/// watched: no frame within the heartbeat limit, or no answer by a batch's deadline, and it is killed; its death
/// fails the batch in flight (and only that one) with the reason, and marks this stage faulted so a new host starts.
/// Disposing asks the host to exit (and kills it if it does not): all its memory goes back to the system.
/// </summary>
public sealed partial class HostedStage : IStage, IResidentModel, IDisposable
{
    private readonly IModelHostProcess host;
    private readonly ModelHostLimits limits;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingBatch> pending = new();
    private readonly TaskCompletionSource<JsonObject> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer watchdog;
    private readonly Task reader;
    private long lastFrame;
    private long nextBatch;
    private string? fault;
    private bool disposed;

    private HostedStage(IModelHostProcess host, string stageName, ModelHostLimits limits, ILogger logger, TimeProvider time)
    {
        this.host = host;
        this.limits = limits;
        this.logger = logger;
        this.time = time;
        Name = stageName;
        lastFrame = time.GetTimestamp();
        reader = Task.Run(ReadLoopAsync);
        watchdog = time.CreateTimer(_ => Watch(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Starts watching <paramref name="host"/> and waits for its "ready". Throws with the host's reason when it cannot load.</summary>
    public static HostedStage Attach(IModelHostProcess host, string stageName, ModelHostLimits limits, ILogger logger, TimeProvider time)
    {
        var stage = new HostedStage(host, stageName, limits, logger, time);
        try
        {
            stage.WaitForReady();
            return stage;
        }
        catch
        {
            stage.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public IReadOnlySet<MediaKind> Kinds { get; private set; } = new HashSet<MediaKind>();

    public StageModelInfo? Model { get; private set; }

    public string Device { get; private set; } = "unknown";

    public IReadOnlyDictionary<string, string> Parameters { get; private set; } = new Dictionary<string, string>();

    public int ProcessId => host.Id;

    public long LoadMs { get; private set; }

    public long FootprintBytes { get; private set; }

    public long ResidentBytes { get; private set; }

    public long PeakResidentBytes { get; private set; }

    public string? Fault => Volatile.Read(ref fault);

    public async Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        if (Fault is { } reason)
        {
            throw new ModelHostException(reason);
        }

        var id = Interlocked.Increment(ref nextBatch);
        var mediaSeconds = ModelHostLimits.MediaSecondsOf(batch);
        var entry = new PendingBatch(batch.Count, limits.BatchDeadline(batch.Count, mediaSeconds), time.GetUtcNow() + limits.BatchDeadline(batch.Count, mediaSeconds));
        pending[id] = entry;
        try
        {
            await Send(new JsonObject
            {
                ["type"] = "batch",
                ["batch"] = id,
                ["inputs"] = new JsonArray(batch.Select(i => (JsonNode)HostFrames.Input(i)).ToArray()),
            }, CancellationToken.None).ConfigureAwait(false);

            using (cancellationToken.Register(() => _ = CancelAsync(id)))
            {
                var outcomes = await entry.Result.Task.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                return outcomes;
            }
        }
        finally
        {
            pending.TryRemove(id, out _);
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        watchdog.Dispose();
        if (Fault is null)
        {
            try
            {
                Send(new JsonObject { ["type"] = "shutdown" }, CancellationToken.None).Wait(limits.Shutdown);
            }
            catch (AggregateException)
            {
                // the host is already gone
            }
        }

        if (!host.WaitForExit(limits.Shutdown))
        {
            LogKilled(logger, Name, host.Id, "it did not exit after shutdown");
            host.Kill();
        }

        SetFault("the model host was unloaded");
        reader.Wait(limits.Shutdown);
        host.Dispose();
        writeGate.Dispose();
    }

    private void WaitForReady()
    {
        bool answered;
        try
        {
            answered = ready.Task.Wait(limits.Load);
        }
        catch (AggregateException ex) when (ex.InnerException is ModelHostException inner)
        {
            // The host's own reason, not "One or more errors occurred. (...)".
            throw inner;
        }

        if (!answered)
        {
            Kill($"model host for stage {Name} did not load within {limits.Load.TotalSeconds:0.#} s");
            throw new ModelHostException(Fault!);
        }

        var message = ready.Task.Result;
        Kinds = message["kinds"]!.AsArray().Select(k => Enum.Parse<MediaKind>(k!.GetValue<string>())).ToHashSet();
        Model = message["model"] is JsonObject m ? new StageModelInfo(m["id"]!.GetValue<string>(), m["sha256"]!.GetValue<string>()) : null;
        Device = message["device"]!.GetValue<string>();
        Parameters = message["parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
        LoadMs = message["loadMs"]!.GetValue<long>();
        FootprintBytes = message["rssBytes"]!.GetValue<long>();
        ResidentBytes = FootprintBytes;
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var message = await HostFrames.ReadAsync(host.FromHost, CancellationToken.None).ConfigureAwait(false);
                if (message is null)
                {
                    break;
                }

                Interlocked.Exchange(ref lastFrame, time.GetTimestamp());
                switch (HostFrames.TypeOf(message))
                {
                    case "ready":
                        ready.TrySetResult(message);
                        break;
                    case "fatal":
                        SetFault(message["message"]?.GetValue<string>() ?? "the model host could not load its model");
                        ready.TrySetException(new ModelHostException(Fault!, transient: false));
                        break;
                    case "heartbeat":
                        ResidentBytes = message["rssBytes"]?.GetValue<long?>() ?? ResidentBytes;
                        PeakResidentBytes = message["peakRssBytes"]?.GetValue<long?>() ?? PeakResidentBytes;
                        break;
                    case "result":
                        var id = message["batch"]!.GetValue<long>();
                        if (pending.TryGetValue(id, out var entry))
                        {
                            var outcomes = message["outcomes"]!.AsArray().Select(o => HostFrames.Outcome(o!.AsObject())).ToArray();
                            entry.Result.TrySetResult(outcomes);
                        }

                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ObjectDisposedException or System.Text.Json.JsonException)
        {
            SetFault($"model host protocol failed: {ex.Message}");
        }

        // The stream ended: the host exited (or was killed). Give it a moment to report how.
        host.WaitForExit(TimeSpan.FromSeconds(10));
        var reason = $"model host for stage {Name} (pid {host.Id}) {host.ExitDescription}";
        var tail = host.StderrTail;
        if (tail.Length > 0 && !disposed)
        {
            reason += $"; its last output: {LastLine(tail)}";
        }

        SetFault(reason);
        ready.TrySetException(new ModelHostException(Fault!));
        FailPending();
    }

    private void Watch()
    {
        // Heartbeats start once the model is loaded; until "ready" the load limit (WaitForReady) is the only limit,
        // or any model that loads for longer than the heartbeat limit would be killed as hung.
        if (Fault is not null || !ready.Task.IsCompleted)
        {
            return;
        }

        var silent = time.GetElapsedTime(Interlocked.Read(ref lastFrame));
        if (silent > limits.Heartbeat)
        {
            Kill($"model host for stage {Name} (pid {host.Id}) sent nothing for {silent.TotalSeconds:0.#} s (heartbeat limit {limits.Heartbeat.TotalSeconds:0.#} s): it hung and was killed");
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (_, entry) in pending)
        {
            if (now > entry.Deadline)
            {
                Kill($"model host for stage {Name} (pid {host.Id}) did not finish a batch of {entry.Count} within {entry.Limit.TotalSeconds:0.#} s: it hung and was killed");
                return;
            }
        }
    }

    private void Kill(string reason)
    {
        SetFault(reason);
        LogKilled(logger, Name, host.Id, reason);
        host.Kill();
        FailPending();
    }

    private void FailPending()
    {
        foreach (var (_, entry) in pending)
        {
            entry.Result.TrySetException(new ModelHostException(Fault!));
        }
    }

    private void SetFault(string reason) => Interlocked.CompareExchange(ref fault, reason, null);

    private async Task CancelAsync(long id)
    {
        try
        {
            await Send(new JsonObject { ["type"] = "cancel", ["batch"] = id }, CancellationToken.None).ConfigureAwait(false);
            var answered = pending.TryGetValue(id, out var entry) ? entry.Result.Task : Task.CompletedTask;
            if (await Task.WhenAny(answered, Task.Delay(limits.Shutdown, time)).ConfigureAwait(false) != answered)
            {
                Kill($"model host for stage {Name} (pid {host.Id}) did not stop a cancelled batch within {limits.Shutdown.TotalSeconds:0.#} s");
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // gone already; the reader reports it
        }
    }

    private async Task Send(JsonObject message, CancellationToken cancellationToken)
    {
        try
        {
            await HostFrames.WriteAsync(host.ToHost, message, writeGate, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            SetFault($"model host for stage {Name} (pid {host.Id}) is gone: {ex.Message}");
            throw new ModelHostException(Fault!, ex);
        }
    }

    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "";

    private sealed record PendingBatch(int Count, TimeSpan Limit, DateTimeOffset Deadline)
    {
        public TaskCompletionSource<IReadOnlyList<StageOutcome>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 3410, Level = LogLevel.Warning, Message = "Model host for stage {Stage} (pid {Pid}) killed: {Reason}")]
    private static partial void LogKilled(ILogger logger, string stage, int pid, string reason);
}
