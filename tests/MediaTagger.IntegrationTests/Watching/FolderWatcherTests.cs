using MediaTagger.Core.Watching;

namespace MediaTagger.IntegrationTests.Watching;

/// <summary>Real folders, the real inotify watcher and the real clock, with short stable windows.</summary>
public sealed class FolderWatcherTests
{
    // Kernel mtimes come from a coarse clock, so a stamp may trail the real write by a few milliseconds.
    private static readonly TimeSpan MtimeSlack = TimeSpan.FromMilliseconds(10);

    private static void AssertSettledBeforeSignal(WatchHarness h, string path, long expectedSize)
    {
        var first = h.Signals.First(s => s.Kind == WatchSignalKind.Stable && s.Path == path);
        var lastWrite = new DateTimeOffset(File.GetLastWriteTimeUtc(path));
        first.SizeThen.Should().Be(expectedSize, $"{Path.GetFileName(path)} must be complete when it is signalled");
        (first.At - lastWrite).Should().BeGreaterThanOrEqualTo(h.Window - MtimeSlack,
            $"{Path.GetFileName(path)} must stay unchanged for the whole window before it is signalled");
    }

    [Fact]
    public async Task Files_already_there_at_start_are_found_by_the_initial_scan()
    {
        await using var h = await WatchHarness.StartAsync(beforeStart: root =>
        {
            File.WriteAllBytes(Path.Combine(root, "old.jpg"), new byte[10]);
            Directory.CreateDirectory(Path.Combine(root, "2023"));
            File.WriteAllBytes(Path.Combine(root, "2023", "older.jpg"), new byte[10]);
        });

        await h.UntilStableAsync(h.PathOf("old.jpg"), h.PathOf("2023/older.jpg"));
    }

    [Fact]
    public async Task A_burst_of_2000_files_all_come_out_and_none_before_it_settled()
    {
        await using var h = await WatchHarness.StartAsync();
        var paths = Enumerable.Range(0, 2000).Select(i => h.Write($"burst/{i % 10}/f{i:D4}.jpg", 2048)).ToList();

        await h.UntilAsync(() => h.Stable.Distinct().Count() >= paths.Count, "all 2000 files to settle", TimeSpan.FromSeconds(120));

        // Sorted and compared in order: an unordered equivalence check of 2,000 items is quadratic.
        h.Stable.Distinct().Order(StringComparer.Ordinal).Should().Equal(paths.Order(StringComparer.Ordinal));
        foreach (var path in paths)
        {
            AssertSettledBeforeSignal(h, path, 2048);
        }
    }

    [Fact]
    public async Task A_file_written_slowly_in_chunks_is_signalled_once_after_its_last_chunk()
    {
        // The window is four times the gap between chunks. Should the machine still stall the writer for half a
        // window, the premise (a writer that never pauses) is void and the scenario is repeated with a new file.
        await using var h = await WatchHarness.StartAsync(windowSeconds: 0.6);
        var chunk = new byte[64 * 1024];
        for (var attempt = 1; ; attempt++)
        {
            var path = h.PathOf($"recording{attempt}.wav");
            var longestGap = TimeSpan.Zero;
            var earlyAfterChunks = 0;
            await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
            {
                var previous = TimeProvider.System.GetTimestamp();
                for (var i = 0; i < 10; i++)
                {
                    await stream.WriteAsync(chunk);
                    await stream.FlushAsync();
                    var now = TimeProvider.System.GetTimestamp();
                    longestGap = TimeSpan.FromTicks(Math.Max(longestGap.Ticks, TimeProvider.System.GetElapsedTime(previous, now).Ticks));
                    previous = now;
                    if (earlyAfterChunks == 0 && h.Stable.Contains(path))
                    {
                        earlyAfterChunks = i + 1;
                    }

                    if (i < 9)
                    {
                        await Task.Delay(150);
                    }
                }
            }

            var lastChunkAt = TimeProvider.System.GetUtcNow();
            if (longestGap >= h.Window / 2 && attempt < 3)
            {
                continue;
            }

            longestGap.Should().BeLessThan(h.Window / 2, "the writer must not pause (the machine stalled it in all 3 attempts)");
            earlyAfterChunks.Should().Be(0, "a file still being written must not be signalled");
            await h.UntilStableAsync(path);
            await h.QuietPeriodAsync();

            h.Stable.Where(p => p == path).Should().ContainSingle();
            h.Signals.Single(s => s.Path == path).At.Should().BeAfter(lastChunkAt);
            AssertSettledBeforeSignal(h, path, 10 * chunk.Length);
            return;
        }
    }

    [Fact]
    public async Task A_copy_to_a_part_file_renamed_when_done_signals_only_the_final_name()
    {
        await using var h = await WatchHarness.StartAsync();
        var part = h.PathOf("holiday.jpg.part");
        await using (var stream = new FileStream(part, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
        {
            for (var i = 0; i < 5; i++)
            {
                await stream.WriteAsync(new byte[4096]);
                await stream.FlushAsync();
                await Task.Delay(100);
            }
        }

        await Task.Delay(h.Window * 2); // the .part file sits still long enough to settle, were it not ignored
        var final = h.PathOf("holiday.jpg");
        File.Move(part, final);

        await h.UntilStableAsync(final);
        await h.QuietPeriodAsync();

        h.Signals.Should().NotContain(s => s.Path.EndsWith(".part", StringComparison.Ordinal), "neither Stable nor Removed for the temporary name");
        h.Stable.Should().Equal(final);
    }

    [Fact]
    public async Task Dot_files_dot_folders_and_the_workers_own_outputs_never_come_out()
    {
        await using var h = await WatchHarness.StartAsync(isOwnOutput: p => p.EndsWith(".json", StringComparison.Ordinal));

        h.Write(".hidden.jpg");
        h.Write(".thumbnails/a.jpg");
        h.Write("a.jpg.json");
        var visible = h.Write("b.jpg");
        await h.UntilStableAsync(visible);

        // The worker rewriting its sidecar must not make anything happen.
        File.WriteAllText(h.PathOf("a.jpg.json"), "{\"schema\":\"mediatagger/sidecar@1\"}");
        File.Delete(h.PathOf("a.jpg.json"));
        var sentinel = h.Write("z.jpg");
        await h.UntilStableAsync(sentinel);
        await h.QuietPeriodAsync();

        h.Signals.Select(s => s.Path).Should().BeEquivalentTo([visible, sentinel]);
    }

    [Fact]
    public async Task Deletes_and_renames_signal_removed_and_a_renamed_file_settles_under_its_new_name()
    {
        await using var h = await WatchHarness.StartAsync();
        var a = h.Write("a.jpg");
        var b = h.Write("b.jpg");
        var d = h.Write("album/d.jpg");
        await h.UntilStableAsync(a, b, d);

        File.Delete(a);
        var c = h.PathOf("c.jpg");
        File.Move(b, c);
        Directory.Delete(h.PathOf("album"), recursive: true);

        await h.UntilAsync(() => h.Removed.Contains(a) && h.Removed.Contains(b) && h.Stable.Contains(c), "the delete and the rename");
        await h.UntilAsync(() => h.Removed.Contains(d) || h.Removed.Contains(h.PathOf("album")), "the folder removal");
        await h.QuietPeriodAsync();
        h.Stable.Count(p => p == a).Should().Be(1, "a deleted file is not signalled again");
        h.Stable.Count(p => p == b).Should().Be(1, "nor is the old name of a renamed one");
        h.Stable.Count(p => p == c).Should().Be(1);
    }

    [Fact]
    public async Task A_watcher_error_restarts_it_and_the_rescan_finds_a_file_created_while_it_was_down()
    {
        await using var h = await WatchHarness.StartAsync();
        var first = h.Created.Should().ContainSingle().Subject;

        first.EnableRaisingEvents = false; // down: no events reach the worker
        var missed = h.Write("while-down.jpg");
        await h.QuietPeriodAsync();
        h.Stable.Should().NotContain(missed, "nothing can see it while the watcher is down");

        first.Fail(new InternalBufferOverflowException("simulated event queue overflow"));

        await h.UntilStableAsync(missed);
        h.Created.Should().HaveCount(2, "the failed watcher was replaced");
        var status = h.Watcher.GetStatus();
        status.Restarts.Should().Be(1);
        status.Watching.Should().BeTrue();
        status.ModeName.Should().Be("events");
        status.LastError.Should().Contain("simulated event queue overflow");
        status.LastErrorAt.Should().NotBeNull();
        h.Log.MessagesWith(3202).Should().ContainSingle()
            .Which.Should().Contain(h.Root).And.Contain("simulated event queue overflow").And.Contain("rescanning");
        h.Log.MessagesWith(3203).Should().ContainSingle();

        // The new watcher delivers events (periodic rescans are an hour away).
        var after = h.Write("after-restart.jpg");
        await h.UntilStableAsync(after);
    }

    [Fact]
    public async Task A_root_that_disappears_and_comes_back_is_watched_again_and_the_status_says_so_meanwhile()
    {
        await using var h = await WatchHarness.StartAsync(rescanSeconds: 0.5);

        Directory.Delete(h.Root, recursive: true); // an unmounted disk looks the same
        await h.UntilAsync(() => !h.Watcher.GetStatus().Watching, "the status to show the root is not watched");
        h.Watcher.GetStatus().LastError.Should().Contain(h.Root);

        Directory.CreateDirectory(h.Root);
        var back = h.Write("back.jpg");
        await h.UntilStableAsync(back);
        await h.UntilAsync(() => h.Watcher.GetStatus().Watching, "the watcher to run again");
        h.Created.Count.Should().BeGreaterThanOrEqualTo(2, "the dead watcher was replaced, not left in place");
        h.Log.MessagesWith(3204).Concat(h.Log.MessagesWith(3202)).Should().NotBeEmpty("the outage is in the log");
    }

    [Fact]
    public async Task Exhausted_inotify_at_start_falls_back_to_polling_says_how_to_fix_it_and_still_finds_files()
    {
        var attempts = 0;
        await using var h = await WatchHarness.StartAsync(createWatcher: _ =>
        {
            Interlocked.Increment(ref attempts);
            throw new IOException(WatchHarness.WatchLimitMessage);
        });

        var status = h.Watcher.GetStatus();
        status.Mode.Should().Be(WatchMode.PollingAfterInotifyExhaustion);
        status.ModeName.Should().Be("polling-after-inotify-exhaustion");
        status.LastError.Should().Contain("inotify watches");
        h.Log.MessagesWith(3205).Should().ContainSingle()
            .Which.Should().Contain("fs.inotify.max_user_watches=524288").And.Contain("max_user_instances").And.Contain(h.Root);

        var added = h.Write("new.jpg");
        await h.UntilStableAsync(added);
        File.Delete(added);
        await h.UntilAsync(() => h.Removed.Contains(added), "polling to notice the delete");
        attempts.Should().Be(1, "an exhausted limit is not retried in a tight loop");
    }

    [Fact]
    public async Task Exhausted_inotify_reported_while_running_falls_back_to_polling_and_still_finds_files()
    {
        await using var h = await WatchHarness.StartAsync();
        var before = h.Write("before.jpg");
        await h.UntilStableAsync(before);

        // As the runtime reports a failed inotify_add_watch for a new subfolder: through the Error event.
        h.Created.Single().Fail(new IOException(WatchHarness.WatchLimitMessage));
        await h.UntilAsync(() => h.Watcher.GetStatus().Mode == WatchMode.PollingAfterInotifyExhaustion, "the fallback");

        var added = h.Write("deep/er/new.jpg");
        await h.UntilStableAsync(added);
        h.Created.Should().ContainSingle("no new watcher is made while the limit is exhausted");
        h.Log.MessagesWith(3205).Should().ContainSingle().Which.Should().Contain("sysctl");
        h.Log.MessagesWith(3202).Should().BeEmpty("exhaustion is not a restartable failure");
    }

    [Fact]
    public async Task Polling_mode_finds_new_changed_and_removed_files()
    {
        await using var h = await WatchHarness.StartAsync(e => e.Polling = true, beforeStart: root => File.WriteAllBytes(Path.Combine(root, "old.jpg"), new byte[10]));
        var old = h.PathOf("old.jpg");
        await h.UntilStableAsync(old);
        h.Created.Should().BeEmpty("a polled root never makes a FileSystemWatcher");
        h.Watcher.GetStatus().ModeName.Should().Be("polling");

        var added = h.Write("sub/new.jpg");
        await h.UntilStableAsync(added);

        File.AppendAllText(old, "more");
        await h.UntilAsync(() => h.Stable.Count(p => p == old) == 2, "the changed file to settle again");
        AssertSettledBeforeSignal(h, added, 1024);

        File.Delete(added);
        await h.UntilAsync(() => h.Removed.Contains(added), "the delete");
    }

    [Fact]
    public async Task A_recursive_root_sees_new_nested_folders_and_folders_moved_in_with_their_files()
    {
        await using var h = await WatchHarness.StartAsync(e => e.Recursive = true);

        var nested = h.Write("a/b/c/deep.jpg");
        var album = Path.Combine(h.Outside, "album");
        Directory.CreateDirectory(Path.Combine(album, "disc2"));
        var moved = Enumerable.Range(0, 20).Select(i => $"{(i % 2 == 0 ? "" : "disc2/")}track{i:D2}.flac").ToList();
        foreach (var name in moved)
        {
            File.WriteAllBytes(Path.Combine(album, name), new byte[100]);
        }

        Directory.Move(album, h.PathOf("album"));

        await h.UntilStableAsync([nested, .. moved.Select(n => h.PathOf(Path.Combine("album", n)))]);
    }

    [Fact]
    public async Task A_non_recursive_root_ignores_its_subfolders()
    {
        await using var h = await WatchHarness.StartAsync(e => e.Recursive = false);

        h.Write("sub/deep.jpg");
        var top = h.Write("top.jpg");
        await h.UntilStableAsync(top);
        await h.QuietPeriodAsync();

        h.Signals.Select(s => s.Path).Should().Equal(top);
    }

    [Fact]
    public async Task Include_and_exclude_patterns_decide_which_files_come_out()
    {
        await using var h = await WatchHarness.StartAsync(e =>
        {
            e.Include = ["*.jpg", "*.JPEG"];
            e.Exclude = ["raw", "*.small.*"];
        });

        var wanted = new[] { h.Write("a.jpg"), h.Write("trip/b.jpeg"), h.Write("trip/day2/c.JPG") };
        h.Write("d.png");
        h.Write("raw/e.jpg");
        h.Write("trip/raw/f.jpg");
        h.Write("trip/g.small.jpg");
        await h.UntilStableAsync(wanted);
        await h.QuietPeriodAsync();

        h.Stable.Should().BeEquivalentTo(wanted);
    }
}
