using System.IO.Pipelines;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.ModelHosts;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Tests.Scheduling;

/// <summary>
/// The worker's <see cref="HostedStage"/> against a real <see cref="ModelHostServer"/> over in-memory pipes: the
/// protocol, failures and limits. (The same pair across a real process boundary is covered by the integration tests.)
/// </summary>
public sealed class ModelHostProtocolTests
{
    private static readonly ModelHostLimits Quick = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromSeconds(5));

    private static StageInput Input(long id, string path) =>
        new(id, path, MediaKind.Image, "png", new Dictionary<string, JsonObject> { ["probe"] = new() { ["width"] = 7 } });

    [Fact]
    public async Task Batches_go_to_the_host_and_results_come_back_in_order_with_the_stage_identity()
    {
        using var host = InProcessHost.Start(() => new ScriptedStage());
        using var stage = HostedStage.Attach(host, "tags", Quick, NullLogger.Instance, TimeProvider.System);

        var outcomes = await stage.RunAsync([Input(1, "/a.png"), Input(2, "/bad.png"), Input(3, "/c.png")], CancellationToken.None);

        outcomes.Select(o => o.Result?["path"]?.GetValue<string>()).Should().Equal("/a.png", null, "/c.png");
        outcomes[0].Result!["probeWidth"]!.GetValue<int>().Should().Be(7, "earlier stages' results travel with each task");
        outcomes[1].Error.Should().Be("cannot decode /bad.png");
        outcomes[1].Transient.Should().BeFalse();
        stage.Model.Should().Be(new StageModelInfo("tiny-tagger", new string('a', 64)));
        stage.Device.Should().Be("cpu");
        stage.Parameters.Should().ContainKey("threshold").WhoseValue.Should().Be("0.35");
        stage.Kinds.Should().Equal(MediaKind.Image);
        stage.FootprintBytes.Should().BePositive();
        stage.Fault.Should().BeNull();
    }

    [Fact]
    public void A_model_that_cannot_load_fails_the_start_with_the_host_s_reason()
    {
        using var host = InProcessHost.Start(() => throw new FileNotFoundException("tiny-tagger is not installed; run: mediatagger models pull tiny-tagger"));

        var attach = () => HostedStage.Attach(host, "tags", Quick, NullLogger.Instance, TimeProvider.System);

        attach.Should().Throw<ModelHostException>().WithMessage("*tiny-tagger is not installed; run: mediatagger models pull tiny-tagger*");
    }

    [Fact]
    public async Task A_stage_that_throws_fails_its_batch_as_retryable_and_the_host_goes_on()
    {
        using var host = InProcessHost.Start(() => new ScriptedStage());
        using var stage = HostedStage.Attach(host, "tags", Quick, NullLogger.Instance, TimeProvider.System);

        var failed = await stage.RunAsync([Input(1, "/throw.png"), Input(2, "/b.png")], CancellationToken.None);
        var next = await stage.RunAsync([Input(3, "/c.png")], CancellationToken.None);

        failed.Should().OnlyContain(o => o.Transient && o.Error == "tags failed: engine exploded");
        next.Single().Success.Should().BeTrue();
    }

    [Fact]
    public async Task A_host_that_dies_fails_only_the_batch_in_flight_and_says_how_it_ended()
    {
        using var host = InProcessHost.Start(() => new ScriptedStage());
        using var stage = HostedStage.Attach(host, "tags", Quick, NullLogger.Instance, TimeProvider.System);
        var inFlight = stage.RunAsync([Input(1, "/hang.png")], CancellationToken.None);
        await host.BatchStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        host.Kill();

        var failure = await inFlight.Awaiting(t => t).Should().ThrowAsync<ModelHostException>();
        failure.WithMessage("*model host for stage tags*killed by test*");
        stage.Fault.Should().NotBeNull();
        await stage.Awaiting(s => s.RunAsync([Input(2, "/b.png")], CancellationToken.None)).Should().ThrowAsync<ModelHostException>(
            "a dead host takes no more batches; the scheduler starts a new one");
    }

    [Fact]
    public async Task A_batch_past_its_deadline_kills_the_host()
    {
        using var host = InProcessHost.Start(() => new ScriptedStage());
        var limits = Quick with { BatchBase = TimeSpan.FromMilliseconds(300) };
        using var stage = HostedStage.Attach(host, "tags", limits, NullLogger.Instance, TimeProvider.System);

        var run = () => stage.RunAsync([Input(1, "/hang.png")], CancellationToken.None);

        (await run.Should().ThrowAsync<ModelHostException>()).WithMessage("*did not finish a batch of 1 within 0.3 s: it hung and was killed*");
        host.Killed.Should().BeTrue();
    }

    [Fact]
    public async Task A_silent_host_is_killed_after_the_heartbeat_limit()
    {
        using var host = InProcessHost.Start(() => new ScriptedStage(), heartbeat: TimeSpan.FromHours(1));
        var limits = Quick with { Heartbeat = TimeSpan.FromMilliseconds(400) };
        using var stage = HostedStage.Attach(host, "tags", limits, NullLogger.Instance, TimeProvider.System);

        var run = () => stage.RunAsync([Input(1, "/hang.png")], CancellationToken.None);

        (await run.Should().ThrowAsync<ModelHostException>()).WithMessage("*sent nothing for*heartbeat limit*hung and was killed*");
        host.Killed.Should().BeTrue();
    }

    [Fact]
    public async Task A_cancelled_batch_stops_in_the_host_which_stays_usable()
    {
        using var host = InProcessHost.Start(() => new ScriptedStage());
        using var stage = HostedStage.Attach(host, "tags", Quick, NullLogger.Instance, TimeProvider.System);
        using var cts = new CancellationTokenSource();
        var inFlight = stage.RunAsync([Input(1, "/hang.png")], cts.Token);
        await host.BatchStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();

        await inFlight.Awaiting(t => t).Should().ThrowAsync<OperationCanceledException>();
        host.Killed.Should().BeFalse();
        (await stage.RunAsync([Input(2, "/b.png")], CancellationToken.None)).Single().Success.Should().BeTrue();
    }

    [Fact]
    public void A_batch_of_long_audio_gets_time_in_proportion_not_the_limit_for_a_photo()
    {
        var limits = new ModelHostLimits(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), PerMediaSecond: 10);
        var podcast = new StageInput(1, "/talk.mp3", MediaKind.Audio, "mp3", new Dictionary<string, JsonObject> { ["probe"] = new() { ["duration"] = 600.0 } });
        var photo = Input(2, "/a.png");

        var mediaSeconds = ModelHostLimits.MediaSecondsOf([podcast, photo]);

        mediaSeconds.Should().Be(600);
        limits.BatchDeadline(2, mediaSeconds).Should().Be(TimeSpan.FromSeconds(60 + 60 + 6000), "a 10-minute file may take 100 minutes on a slow CPU");
        limits.BatchDeadline(1).Should().Be(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task A_frame_with_an_impossible_length_is_a_protocol_error_not_a_huge_allocation()
    {
        using var stream = new MemoryStream([0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);

        var read = () => HostFrames.ReadAsync(stream, CancellationToken.None);

        (await read.Should().ThrowAsync<InvalidDataException>()).WithMessage("*frame length*out of range*");
    }

    /// <summary>A stage that answers by file name: "bad" fails, "throw" throws, "hang" blocks until cancelled.</summary>
    private sealed class ScriptedStage : IStage
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "tags";

        public IReadOnlySet<MediaKind> Kinds { get; } = new HashSet<MediaKind> { MediaKind.Image };

        public StageModelInfo? Model { get; } = new("tiny-tagger", new string('a', 64));

        public string Device => "cpu";

        public IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string> { ["threshold"] = "0.35" };

        public Action? OnBatch { get; set; }

        public async Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
        {
            OnBatch?.Invoke();
            if (batch.Any(b => b.Path.Contains("throw", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("engine exploded");
            }

            if (batch.Any(b => b.Path.Contains("hang", StringComparison.Ordinal)))
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return batch.Select(b => b.Path.Contains("bad", StringComparison.Ordinal)
                ? StageOutcome.Fail($"cannot decode {b.Path}")
                : StageOutcome.Ok(new JsonObject { ["path"] = b.Path, ["probeWidth"] = b.EarlierResults["probe"]["width"]!.GetValue<int>() })).ToArray();
        }
    }

    /// <summary>A <see cref="ModelHostServer"/> on a thread of this process, joined by pipes; Kill drops it like a dead process.</summary>
    private sealed class InProcessHost : IModelHostProcess
    {
        private readonly Pipe toHost = new();
        private readonly Pipe fromHost = new();
        private readonly CancellationTokenSource stop = new();
        private readonly KillableStream reader;
        private Task<int> server = Task.FromResult(0);

        private InProcessHost()
        {
            reader = new KillableStream(fromHost.Reader.AsStream());
        }

        public TaskCompletionSource BatchStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Killed { get; private set; }

        public int Id => Environment.ProcessId;

        public Stream ToHost => toHost.Writer.AsStream();

        public Stream FromHost => reader;

        public string ExitDescription => Killed ? "killed by test" : server.IsCompleted ? $"exited with code {server.Result}" : "still running";

        public string StderrTail => "";

        public static InProcessHost Start(Func<IStage> create, TimeSpan? heartbeat = null)
        {
            var host = new InProcessHost();
            var serverSide = new ModelHostServer(() =>
            {
                var stage = create();
                if (stage is ScriptedStage scripted)
                {
                    scripted.OnBatch = () => host.BatchStarted.TrySetResult();
                }

                return stage;
            }, NullLogger.Instance, heartbeat ?? TimeSpan.FromMilliseconds(50));
            host.server = Task.Run(async () =>
            {
                using (serverSide)
                {
                    var code = await serverSide.RunAsync(host.toHost.Reader.AsStream(), host.fromHost.Writer.AsStream(), host.stop.Token);
                    await host.fromHost.Writer.CompleteAsync();
                    return code;
                }
            });
            return host;
        }

        public void Kill()
        {
            if (Killed)
            {
                return;
            }

            Killed = true;
            reader.Kill();
            stop.Cancel();
        }

        public bool WaitForExit(TimeSpan timeout) => Killed || server.Wait(timeout);

        /// <summary>The <see cref="HostedStage"/> owns its host and disposes it; the test's using may do so again.</summary>
        public void Dispose()
        {
            if (!Killed && !server.Wait(TimeSpan.FromSeconds(5)))
            {
                Kill();
            }
        }
    }

    /// <summary>Reads from the inner stream until killed; then reads end, as a dead process's pipe does.</summary>
    private sealed class KillableStream(Stream inner) : Stream
    {
        private readonly TaskCompletionSource<int> killed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Kill() => killed.TrySetResult(0);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (killed.Task.IsCompleted)
            {
                return 0;
            }

            var read = inner.ReadAsync(buffer, cancellationToken).AsTask();
            var first = await Task.WhenAny(read, killed.Task);
            return first == read && !killed.Task.IsCompleted ? await read : 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
