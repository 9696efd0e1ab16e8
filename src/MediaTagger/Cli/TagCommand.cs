using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MediaTagger.Core.Journal;
using MediaTagger.Core.Processing;
using MediaTagger.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Cli;

/// <summary>
/// `tag PATH...`: a one-shot batch through the same journal, stages and sidecars as the worker. Unchanged files with
/// a current sidecar are skipped. Exit 0 when every file ended complete, 2 when any failed, 1 on a configuration error.
/// </summary>
internal static class TagCommand
{
    public static Command Create(Option<string> config, Option<string[]> set)
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (folders are walked recursively)", Arity = ArgumentArity.OneOrMore };
        var pipeline = new Option<string>("--pipeline") { Description = "Pipeline from pipelines.json", DefaultValueFactory = _ => "default" };
        var command = new Command("tag", "Process files once and write their sidecars");
        command.Arguments.Add(paths);
        command.Options.Add(pipeline);
        command.SetAction(async (parse, ct) =>
        {
            var builder = WorkerHost.CreateBuilder(parse.GetValue(config)!, parse.GetValue(set)!);
            using var host = builder.Build();
            var options = WorkerHost.ValidatedOptions(host.Services);
            if (options is null)
            {
                return 1;
            }

            var name = parse.GetValue(pipeline)!;
            if (!options.Pipelines.ContainsKey(name))
            {
                Console.Error.WriteLine($"no pipeline '{name}' in the configuration (have: {string.Join(", ", options.Pipelines.Keys)})");
                return 1;
            }

            return await RunAsync(host.Services, parse.GetValue(paths)!, name, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, string[] inputs, string pipeline, CancellationToken ct)
    {
        var processor = services.GetRequiredService<MediaProcessor>();
        var journal = services.GetRequiredService<IJournal>();
        var time = services.GetRequiredService<TimeProvider>();
        journal.RecoverInterrupted(time.GetUtcNow(), services.GetRequiredService<Core.Configuration.MediaTaggerOptions>().Worker.MaxAttempts);
        processor.SweepStageContent();
        var runId = journal.StartRun("tag", time.GetUtcNow());
        var display = new ProgressDisplay(Console.IsOutputRedirected);

        var files = Expand(inputs, processor).ToArray();
        int queued = 0, unchanged = 0, ignored = 0;
        foreach (var file in files)
        {
            switch (processor.Ingest(file, pipeline))
            {
                case IngestOutcome.Queued: queued++; break;
                case IngestOutcome.Unchanged: unchanged++; break;
                default: ignored++; break;
            }
        }

        int done = 0, failed = 0;
        var failures = new List<string>();
        var failedPaths = new List<string>();
        processor.SidecarPublished += (path, state, sidecar) =>
        {
            if (state == ItemState.Complete)
            {
                done++;
            }
            else
            {
                failed++;
                failures.Add($"{state.ToString().ToLowerInvariant(),-11} {path} -> {sidecar}");
                failedPaths.Add(path);
            }

            display.Update(done, failed, unchanged + ignored, queued);
        };
        display.Start(queued, unchanged, ignored);
        await processor.DrainAsync(ct).ConfigureAwait(false);
        display.Finish(done, failed, unchanged + ignored, queued);
        foreach (var line in failures)
        {
            Console.WriteLine(line);
        }

        PrintStageProblems(journal, failedPaths);

        journal.FinishRun(runId, new RunCounts(FilesSeen: files.Length, Ingested: queued, Unchanged: unchanged, Ignored: ignored, SidecarsWritten: done + failed), time.GetUtcNow());
        return failed > 0 ? 2 : 0;
    }

    /// <summary>
    /// The run summary of what went wrong, one line per stage and reason with its file count, so a missing model (and
    /// the command that installs it) or a refusal over budget is named once instead of hiding in each sidecar.
    /// </summary>
    private static void PrintStageProblems(IJournal journal, IReadOnlyList<string> failedPaths)
    {
        var problems = failedPaths
            .Select(journal.GetItem)
            .Where(item => item is not null)
            .SelectMany(item => journal.TasksOf(item!.Id))
            .Where(t => t.State is TaskState.Failed or TaskState.Quarantined && t.Error is not null && !t.Error.StartsWith("not run:", StringComparison.Ordinal))
            .GroupBy(t => (t.Stage, Reason: StageReason(t.Error!)))
            .OrderByDescending(g => g.Count())
            .Take(10)
            .ToArray();
        if (problems.Length == 0)
        {
            return;
        }

        Console.WriteLine("Stage problems:");
        foreach (var g in problems)
        {
            Console.WriteLine($"  {g.Key.Stage}: {g.Count()} file(s): {g.Key.Reason}");
        }
    }

    /// <summary>A stage-wide reason (model missing, refused) reads the same for every file; a per-file one keeps its first line.</summary>
    private static string StageReason(string error)
    {
        var line = error.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    private static IEnumerable<string> Expand(string[] inputs, MediaProcessor processor) =>
        inputs.SelectMany(input => Directory.Exists(input) ? processor.FilesUnder(input) : [input]);
}

/// <summary>One live line on a terminal (done, failed, skipped, rate, ETA); plain lines every few seconds when redirected.</summary>
internal sealed class ProgressDisplay(bool plain)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private TimeSpan lastPlain;

    public void Start(int queued, int unchanged, int ignored)
    {
        clock.Restart();
        Console.WriteLine($"{queued} to process, {unchanged} unchanged (sidecar current), {ignored} not media");
    }

    public void Update(int done, int failed, int skipped, int total)
    {
        if (plain && clock.Elapsed - lastPlain < TimeSpan.FromSeconds(5))
        {
            return;
        }

        lastPlain = clock.Elapsed;
        var line = Line(done, failed, skipped, total);
        if (plain)
        {
            Console.WriteLine(line);
        }
        else
        {
            Console.Write("\r" + line.PadRight(Math.Max(0, Console.WindowWidth - 1)));
        }
    }

    public void Finish(int done, int failed, int skipped, int total)
    {
        if (!plain)
        {
            Console.WriteLine();
        }

        Console.WriteLine(Line(done, failed, skipped, total) + $" in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
    }

    private string Line(int done, int failed, int skipped, int total)
    {
        var finished = done + failed;
        var rate = finished / Math.Max(0.001, clock.Elapsed.TotalSeconds);
        var eta = rate > 0 ? TimeSpan.FromSeconds((total - finished) / rate) : TimeSpan.Zero;
        return string.Create(CultureInfo.InvariantCulture, $"done {done}, failed {failed}, skipped {skipped}, {finished}/{total}, {rate:0.0} files/s, ETA {eta:mm\\:ss}");
    }
}
