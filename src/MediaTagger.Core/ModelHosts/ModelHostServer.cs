using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.ModelHosts;

/// <summary>
/// The model host's side of the protocol: loads one stage (one model), says "ready" with the load time and its
/// resident memory, then runs each batch it is sent, one at a time, while a separate loop sends heartbeats. A batch
/// can be cancelled; "shutdown" or the end of the input (the worker died) ends the process, and with it every byte the
/// model held. Inside a batch the stage decodes its files in parallel and feeds the model whole batches.
/// </summary>
public sealed partial class ModelHostServer : IDisposable
{
    private readonly Func<IStage> createStage;
    private readonly ILogger logger;
    private readonly TimeSpan heartbeatInterval;
    private readonly SemaphoreSlim writeGate = new(1, 1);

    public ModelHostServer(Func<IStage> createStage, ILogger logger, TimeSpan heartbeatInterval)
    {
        this.createStage = createStage;
        this.logger = logger;
        this.heartbeatInterval = heartbeatInterval;
    }

    /// <summary>Serves until shutdown or end of input. Returns the process exit code: 0, or 3 when the model did not load.</summary>
    public async Task<int> RunAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        var pid = ProcessMemory.CurrentProcessId;
        var baseline = ProcessMemory.ResidentBytes(pid) ?? 0;
        var clock = Stopwatch.StartNew();
        IStage stage;
        try
        {
            stage = createStage();
        }
        catch (Exception ex)
        {
            LogLoadFailed(logger, ex.Message);
            await HostFrames.WriteAsync(output, new JsonObject { ["type"] = "fatal", ["message"] = ex.Message }, writeGate, cancellationToken).ConfigureAwait(false);
            return 3;
        }

        var abandoned = false;
        try
        {
            var loadMs = clock.ElapsedMilliseconds;
            var resident = ProcessMemory.ResidentBytes(pid) ?? 0;
            await HostFrames.WriteAsync(output, new JsonObject
            {
                ["type"] = "ready",
                ["pid"] = pid,
                ["stage"] = stage.Name,
                ["kinds"] = new JsonArray(stage.Kinds.Select(k => (JsonNode)k.ToString()).ToArray()),
                ["model"] = stage.Model is { } m ? new JsonObject { ["id"] = m.Id, ["sha256"] = m.Sha256 } : null,
                ["device"] = stage.Device,
                ["parameters"] = new JsonObject(stage.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                ["loadMs"] = loadMs,
                ["rssBytes"] = resident,
                ["baselineRssBytes"] = baseline,
            }, writeGate, cancellationToken).ConfigureAwait(false);
            LogReady(logger, stage.Name, stage.Model?.Id ?? "-", stage.Device, loadMs, resident / 1048576.0);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var batches = Channel.CreateUnbounded<(long Id, IReadOnlyList<StageInput> Inputs)>(new UnboundedChannelOptions { SingleReader = true });
            var running = new Dictionary<long, CancellationTokenSource>();
            var heartbeats = new Thread(() => Heartbeat(output, pid, stop.Token)) { IsBackground = true, Name = "model-host heartbeat" };
            heartbeats.Start();
            var graceful = false;
            var runner = RunBatchesAsync(stage, batches.Reader, running, output, stop.Token);
            try
            {
                while (true)
                {
                    var message = await HostFrames.ReadAsync(input, stop.Token).ConfigureAwait(false);
                    if (message is null)
                    {
                        LogInputEnded(logger);
                        break;
                    }

                    var type = HostFrames.TypeOf(message);
                    if (type == "shutdown")
                    {
                        graceful = true;
                        break;
                    }

                    if (type == "batch")
                    {
                        var id = message["batch"]!.GetValue<long>();
                        var inputs = message["inputs"]!.AsArray().Select(i => HostFrames.Input(i!.AsObject())).ToArray();
                        lock (running)
                        {
                            running[id] = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                        }

                        await batches.Writer.WriteAsync((id, inputs), stop.Token).ConfigureAwait(false);
                    }
                    else if (type == "cancel")
                    {
                        var id = message["batch"]!.GetValue<long>();
                        lock (running)
                        {
                            if (running.TryGetValue(id, out var cts))
                            {
                                cts.Cancel();
                            }
                        }
                    }
                }
            }
            finally
            {
                batches.Writer.TryComplete();
                if (graceful)
                {
                    // Shutdown: the batches already sent finish and answer first.
                    await runner.ConfigureAwait(false);
                }
                else
                {
                    // The worker is gone: leave now. A batch stuck in a native call must not keep this process (and its
                    // memory) alive, and the stage is not disposed under that call; the process exit frees it all.
                    abandoned = true;
                }

                await stop.CancelAsync().ConfigureAwait(false);
                heartbeats.Join();
            }

            return 0;
        }
        finally
        {
            if (!abandoned)
            {
                (stage as IDisposable)?.Dispose();
            }
        }
    }

    public void Dispose() => writeGate.Dispose();

    private async Task RunBatchesAsync(IStage stage, ChannelReader<(long Id, IReadOnlyList<StageInput> Inputs)> batches,
        Dictionary<long, CancellationTokenSource> running, Stream output, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (id, inputs) in batches.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                CancellationTokenSource cts;
                lock (running)
                {
                    cts = running[id];
                }

                JsonArray outcomes;
                var clock = Stopwatch.StartNew();
                try
                {
                    var results = await stage.RunAsync(inputs, cts.Token).ConfigureAwait(false);
                    if (results.Count != inputs.Count)
                    {
                        throw new InvalidOperationException($"stage {stage.Name} returned {results.Count} outcomes for {inputs.Count} inputs");
                    }

                    outcomes = new JsonArray(results.Select(r => (JsonNode)HostFrames.Outcome(r)).ToArray());
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    outcomes = new JsonArray(inputs.Select(_ => (JsonNode)HostFrames.Outcome(StageOutcome.Fail("cancelled", transient: true))).ToArray());
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A managed failure of the whole batch: every task of it may succeed on retry.
                    LogBatchFailed(logger, id, ex.Message);
                    outcomes = new JsonArray(inputs.Select(_ => (JsonNode)HostFrames.Outcome(StageOutcome.Fail($"{stage.Name} failed: {ex.Message}", transient: true))).ToArray());
                }
                finally
                {
                    lock (running)
                    {
                        running.Remove(id);
                    }

                    cts.Dispose();
                }

                await HostFrames.WriteAsync(output, new JsonObject
                {
                    ["type"] = "result",
                    ["batch"] = id,
                    ["ms"] = clock.ElapsedMilliseconds,
                    ["outcomes"] = outcomes,
                }, writeGate, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the worker went away
        }
    }

    private void Heartbeat(Stream output, int pid, CancellationToken cancellationToken)
    {
        // Its own thread: a busy thread pool (parallel decoding) cannot delay it. A native call that never returns still
        // lets heartbeats through, so the worker's batch deadline catches that case; a frozen process (no heartbeats at
        // all) is caught by the heartbeat timeout.
        try
        {
            while (!cancellationToken.WaitHandle.WaitOne(heartbeatInterval))
            {
                HostFrames.Write(output, new JsonObject
                {
                    ["type"] = "heartbeat",
                    ["rssBytes"] = ProcessMemory.ResidentBytes(pid),
                    ["peakRssBytes"] = ProcessMemory.PeakResidentBytes(pid),
                }, writeGate);
            }
        }
        catch (IOException)
        {
            // the worker closed the pipe
        }
    }

    [LoggerMessage(EventId = 3401, Level = LogLevel.Error, Message = "Model host could not load its stage: {Reason}")]
    private static partial void LogLoadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Model host ready: stage {Stage}, model {Model} on {Device}, loaded in {LoadMs} ms, {RssMiB:0.0} MiB resident")]
    private static partial void LogReady(ILogger logger, string stage, string model, string device, long loadMs, double rssMiB);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Warning, Message = "Model host: the worker closed the protocol stream; exiting")]
    private static partial void LogInputEnded(ILogger logger);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Warning, Message = "Model host: batch {Batch} failed: {Reason}")]
    private static partial void LogBatchFailed(ILogger logger, long batch, string reason);
}
