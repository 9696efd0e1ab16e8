using MediaTagger.Core.Watching;
using Microsoft.Extensions.Time.Testing;

namespace MediaTagger.Tests.Watching;

public sealed class FileStabilityGateTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private readonly string folder = Directory.CreateTempSubdirectory("mt-gate-").FullName;
    private readonly FakeTimeProvider clock = new();
    private readonly RecordingLogger log = new();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private FileStabilityGate Gate(int capacity = FileStabilityGate.DefaultCapacity, TimeProvider? time = null) =>
        new(Window, time ?? clock, log, capacity);

    private string NewFile(string name, int bytes = 100)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    private static List<string> ReadAll(FileStabilityGate gate)
    {
        var paths = new List<string>();
        while (gate.Output.TryRead(out var path))
        {
            paths.Add(path);
        }

        return paths;
    }

    private static void Append(string path, int bytes)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        stream.Write(new byte[bytes]);
    }

    [Fact]
    public void A_file_comes_out_only_after_the_whole_window_and_only_once()
    {
        using var gate = Gate();
        var path = NewFile("a.jpg");

        gate.Offer(path).Should().BeTrue();
        clock.Advance(Window - Tick);
        ReadAll(gate).Should().BeEmpty("the window has not passed");

        clock.Advance(Tick);
        ReadAll(gate).Should().Equal(path);

        clock.Advance(Window * 10);
        ReadAll(gate).Should().BeEmpty("a settled file is emitted once per change");
        gate.PendingCount.Should().Be(0);
    }

    [Fact]
    public void Every_new_signal_restarts_the_window()
    {
        using var gate = Gate();
        var path = NewFile("a.jpg");

        gate.Offer(path);
        clock.Advance(TimeSpan.FromSeconds(1.5));
        gate.Offer(path);
        clock.Advance(TimeSpan.FromSeconds(1.5));
        ReadAll(gate).Should().BeEmpty("3 s have passed since the first signal but only 1.5 s since the last");

        clock.Advance(TimeSpan.FromSeconds(0.5));
        ReadAll(gate).Should().Equal(path);
    }

    [Fact]
    public void A_file_that_keeps_growing_without_signals_keeps_waiting()
    {
        using var gate = Gate();
        var path = NewFile("copying.mkv");
        gate.Offer(path);

        // A copier whose events were lost: only the stat at each expiry can tell it is still growing.
        for (var i = 0; i < 5; i++)
        {
            Append(path, 4096);
            clock.Advance(Window);
            ReadAll(gate).Should().BeEmpty($"the size changed during window {i + 1}");
        }

        clock.Advance(Window);
        ReadAll(gate).Should().Equal(path);
        new FileInfo(path).Length.Should().Be(100 + (5 * 4096));
    }

    [Fact]
    public void A_file_that_vanishes_before_it_settles_is_dropped()
    {
        using var gate = Gate();
        var path = NewFile("gone.jpg");
        gate.Offer(path);

        File.Delete(path);
        clock.Advance(Window);

        ReadAll(gate).Should().BeEmpty();
        gate.PendingCount.Should().Be(0);
    }

    [Fact]
    public void A_forgotten_path_is_not_emitted()
    {
        using var gate = Gate();
        var path = NewFile("renamed-away.jpg");
        gate.Offer(path);

        gate.Forget(path);
        clock.Advance(Window);

        ReadAll(gate).Should().BeEmpty();
    }

    [Fact]
    public void A_file_still_open_for_writing_elsewhere_is_retried_with_growing_delays_and_emitted_once_released()
    {
        using var gate = Gate();
        var path = NewFile("locked.wav");
        var writer = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        try
        {
            gate.Offer(path);
            clock.Advance(Window); // first check: locked, retry in 2 s
            clock.Advance(Window); // second: retry in 4 s
            clock.Advance(Window * 2); // third: retry in 8 s
            ReadAll(gate).Should().BeEmpty("the writer still holds it");
            gate.PendingCount.Should().Be(1);
        }
        finally
        {
            writer.Dispose();
        }

        clock.Advance(Window * 4 - Tick);
        ReadAll(gate).Should().BeEmpty("the next check is not due yet");
        clock.Advance(Tick);
        ReadAll(gate).Should().Equal(path);
        log.MessagesWith(3221).Should().HaveCount(3)
            .And.SatisfyRespectively(
                m => m.Should().Contain("00:00:02"),
                m => m.Should().Contain("00:00:04"),
                m => m.Should().Contain("00:00:08"));
    }

    [Fact]
    public void Ten_thousand_pending_paths_share_one_timer_and_each_comes_out_exactly_once_when_due()
    {
        var time = new CountingTimeProvider(clock);
        using var gate = Gate(time: time);
        var paths = Enumerable.Range(0, 10_000).Select(i => NewFile($"f{i:D5}.jpg", 10)).ToList();

        foreach (var path in paths)
        {
            gate.Offer(path).Should().BeTrue();
        }

        gate.PendingCount.Should().Be(10_000);
        clock.Advance(TimeSpan.FromSeconds(1));
        var again = paths.Where((_, i) => i % 2 == 0).ToList();
        foreach (var path in again)
        {
            gate.Offer(path);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        var first = ReadAll(gate);
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = ReadAll(gate);
        clock.Advance(Window * 5);

        time.TimersCreated.Should().Be(1);

        // Sorted and compared in order: an unordered equivalence check of 5,000 items is quadratic.
        first.Order(StringComparer.Ordinal).Should().Equal(paths.Except(again).Order(StringComparer.Ordinal), "their window ended at 2 s");
        second.Order(StringComparer.Ordinal).Should().Equal(again.Order(StringComparer.Ordinal), "re-signalled at 1 s, their window ended at 3 s");
        ReadAll(gate).Should().BeEmpty();
        gate.PendingCount.Should().Be(0);
    }

    [Fact]
    public void A_full_gate_refuses_new_paths_warns_once_and_takes_them_again_once_the_consumer_reads()
    {
        using var gate = Gate(capacity: 100);
        var paths = Enumerable.Range(0, 150).Select(i => NewFile($"f{i:D3}.jpg", 10)).ToList();

        var accepted = paths.Count(gate.Offer);
        gate.Offer(paths[0]).Should().BeTrue("a path already pending is only debounced");

        accepted.Should().Be(100);
        gate.RefusedCount.Should().Be(50);
        log.MessagesWith(3220).Should().ContainSingle().Which.Should().Contain("100 files");

        clock.Advance(Window);
        gate.HasRoom.Should().BeFalse("emitted paths the consumer has not read still count");
        gate.Offer(paths[120]).Should().BeFalse();

        ReadAll(gate).Should().HaveCount(100);
        gate.HasRoom.Should().BeTrue();
        gate.Offer(paths[120]).Should().BeTrue();
    }

    [Fact]
    public void A_file_offered_before_it_exists_waits_a_full_window_after_it_appears()
    {
        using var gate = Gate();
        var path = Path.Combine(folder, "soon.jpg");

        gate.Offer(path);
        clock.Advance(Window / 2);
        File.WriteAllBytes(path, new byte[10]);
        clock.Advance(Window / 2);
        ReadAll(gate).Should().BeEmpty("it appeared during the window, which is a change");

        clock.Advance(Window);
        ReadAll(gate).Should().Equal(path);
    }
}
