using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MediaTagger.Core;
using MediaTagger.Core.Models;

/// <summary>
/// The stage scheduler on one batch: COUNT images (copies of the shared test images under distinct names) through the
/// probe and three model stages (imagenet, faces, ocr), each model in a model host (isolation=process, the default).
///   (a) `mediatagger tag` end to end (real process, fresh journal) vs naive per-file execution (in process);
///   (b) tag's wall time vs the standalone engine time for the same inferences plus the loads, with where the rest goes;
///   (c) peak RSS of the worker's process tree with all three models resident (default profile) vs a budget that fits
///       about one host (worker:profile just above the largest footprint the scheduler has measured).
/// Writes OUT.json and, beside it, the in-process runs' JSON and each tag run's log.
/// </summary>
internal static partial class SchedulerBench
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly string[] Sources = ["chelsea", "astronaut", "ocr_line", "page", "text", "camera"];

    public static async Task<int> RunAsync(string imagesDir, int count, string outPath, string budget)
    {
        var root = Directory.CreateTempSubdirectory("mt-sched-bench-").FullName;
        try
        {
            return await MeasureAsync(imagesDir, count, Path.GetFullPath(outPath), budget, root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<int> MeasureAsync(string imagesDir, int count, string outPath, string budget, string root)
    {
        var outDir = Path.GetDirectoryName(outPath)!;
        var media = Directory.CreateDirectory(Path.Combine(root, "media")).FullName;
        for (var i = 0; i < count; i++)
        {
            var source = Sources[i % Sources.Length];
            File.Copy(Path.Combine(imagesDir, source + ".png"), Path.Combine(media, $"{i:D4}-{source}.png"));
        }

        // One of each image: the run that measures each model's footprint for the budgeted run's journal.
        var calibration = Directory.CreateDirectory(Path.Combine(root, "calibration")).FullName;
        foreach (var source in Sources)
        {
            File.Copy(Path.Combine(imagesDir, source + ".png"), Path.Combine(calibration, source + ".png"));
        }

        var defaultConfig = Config(root, "default");
        var budgetConfig = Config(root, "budget");
        var failures = new List<string>();

        Console.Error.WriteLine($"[scheduler bench] {count} images in {media}");

        Console.Error.WriteLine("[scheduler bench] tag, default profile (all three models may stay resident)");
        var tag = TagRun.Start(root, defaultConfig, [], media, sample: true);
        await tag.WaitAsync();
        tag.SaveLog(Path.Combine(outDir, "scheduler-tag-default.log"));
        var tagStatus = await StatusAsync(root, defaultConfig);
        var sidecars = SidecarTimes(media, count);
        DeleteSidecars(media);
        failures.AddRange(tag.Problems("tag (default profile)", count));
        failures.AddRange(sidecars.Problems);

        Console.Error.WriteLine("[scheduler bench] standalone engines, in process");
        var standalonePath = Path.Combine(outDir, "scheduler-standalone.json");
        var standalone = await SelfAsync(["scheduler-standalone", media, standalonePath], standalonePath, failures);

        // More rounds of the overhead pair, alternating, so drift in machine load (other tenants) hits both alike;
        // the overhead ratio is reported on the medians.
        var rounds = int.Parse(Environment.GetEnvironmentVariable("BENCH_SCHED_ROUNDS") ?? "3", CultureInfo.InvariantCulture);
        var tagWalls = new List<double> { tag.WallMs };
        var standaloneTotals = new List<double> { Sum(standalone?["loadMs"]) + Sum(standalone?["inferenceMs"]) };
        for (var round = 2; round <= rounds; round++)
        {
            Console.Error.WriteLine($"[scheduler bench] overhead round {round} of {rounds}: tag, then standalone");
            foreach (var stale in Directory.GetFiles(Path.GetDirectoryName(defaultConfig)!, "journal.db*"))
            {
                File.Delete(stale);
            }

            var again = TagRun.Start(root, defaultConfig, [], media, sample: false);
            await again.WaitAsync();
            failures.AddRange(again.Problems($"tag (default profile, round {round})", count));
            tagWalls.Add(again.WallMs);
            DeleteSidecars(media);
            var roundPath = Path.Combine(outDir, $"scheduler-standalone-r{round}.json");
            var more = await SelfAsync(["scheduler-standalone", media, roundPath], roundPath, failures);
            standaloneTotals.Add(Sum(more?["loadMs"]) + Sum(more?["inferenceMs"]));
        }

        Console.Error.WriteLine("[scheduler bench] naive per-file execution, in process");
        var naivePath = Path.Combine(outDir, "scheduler-naive.json");
        var naive = await SelfAsync(["scheduler-naive", media, naivePath], naivePath, failures);

        // The budgeted run's journal first learns each model's footprint on this machine (with none measured the
        // scheduler admits a model on the catalog estimate, which leaves out the host process itself).
        Console.Error.WriteLine("[scheduler bench] calibration: one file of each image, to measure each model's footprint");
        var calibrationRun = TagRun.Start(root, budgetConfig, [], calibration, sample: false);
        await calibrationRun.WaitAsync();
        failures.AddRange(calibrationRun.Problems("calibration tag", Sources.Length));
        var measured = await StatusAsync(root, budgetConfig);
        var largest = Models(measured).Select(m => m.FootprintBytes).DefaultIfEmpty(0).Max();
        var budgetMiB = budget == "auto" ? (long)Math.Ceiling(largest / 1048576.0) + 8 : long.Parse(budget, CultureInfo.InvariantCulture);
        var profile = string.Create(CultureInfo.InvariantCulture, $"worker:profile={budgetMiB}MB");

        Console.Error.WriteLine($"[scheduler bench] tag, --set {profile}");
        var budgeted = TagRun.Start(root, budgetConfig, [profile], media, sample: true);
        await budgeted.WaitAsync();
        budgeted.SaveLog(Path.Combine(outDir, "scheduler-tag-budget.log"));
        var budgetedStatus = await StatusAsync(root, budgetConfig);
        var budgetedSidecars = SidecarTimes(media, count);
        DeleteSidecars(media);
        failures.AddRange(budgeted.Problems($"tag ({profile})", count));
        failures.AddRange(budgetedSidecars.Problems);

        var catalog = ModelCatalog.Load(ProductPaths.CatalogPath);
        var standaloneLoads = Sum(standalone?["loadMs"]);
        var standaloneInference = Sum(standalone?["inferenceMs"]);
        var tagLoads = Models(tagStatus).ToArray();
        var result = new JsonObject
        {
            ["images"] = count,
            ["sources"] = new JsonArray(Sources.Select(s => (JsonNode)(s + ".png")).ToArray()),
            ["batchSize"] = standalone?["batchSize"]?.DeepClone(),
            ["tag"] = tag.ToJson(tagStatus, sidecars),
            ["naive"] = naive?.DeepClone(),
            ["standalone"] = standalone?.DeepClone(),
            ["budgeted"] = budgeted.ToJson(budgetedStatus, budgetedSidecars, before: measured),
            ["calibration"] = new JsonObject
            {
                ["command"] = calibrationRun.Command,
                ["wallMs"] = Math.Round(calibrationRun.WallMs),
                ["footprints"] = new JsonArray(Models(measured).Select(m => (JsonNode)new JsonObject
                {
                    ["model"] = m.ModelId,
                    ["measuredMiB"] = Mib(m.FootprintBytes),
                    ["catalogEstimateMiB"] = catalog.Models.FirstOrDefault(c => c.Id == m.ModelId) is { } c ? Mib(c.Footprint.EstimatedBytes) : null,
                }).ToArray()),
                ["budgetMiB"] = budgetMiB,
                ["budgetChosen"] = budget == "auto" ? "the largest measured footprint + 8 MiB" : "BENCH_SCHED_BUDGET_MB",
            },
            ["comparison"] = new JsonObject
            {
                ["naiveOverSchedulerWall"] = naive is null ? null : Math.Round(naive["wallMs"]!.GetValue<double>() / tag.WallMs, 2),
                ["schedulerLoads"] = tagLoads.Sum(m => m.Loads),
                ["naiveLoads"] = naive?["loads"]?.DeepClone(),
                ["standaloneLoadsMs"] = Math.Round(standaloneLoads),
                ["standaloneInferenceMs"] = Math.Round(standaloneInference),
                ["tagOverStandalone"] = standalone is null ? null : Math.Round(tag.WallMs / (standaloneInference + standaloneLoads), 3),
                ["tagOverStandaloneTarget"] = 1.15,
                ["overheadRounds"] = rounds,
                ["tagWallsMs"] = new JsonArray(tagWalls.Select(w => (JsonNode)Math.Round(w)).ToArray()),
                ["standaloneTotalsMs"] = new JsonArray(standaloneTotals.Select(w => (JsonNode)Math.Round(w)).ToArray()),
                ["tagOverStandaloneRounds"] = new JsonArray(tagWalls.Zip(standaloneTotals, (t, s) => (JsonNode)Math.Round(t / s, 3)).ToArray()),
                ["tagOverStandaloneMedian"] = Math.Round(Median(tagWalls.Zip(standaloneTotals, (t, s) => t / s).ToList()), 3),
                ["tagCpuOverStandaloneCpu"] = standalone?["cpuSeconds"] is { } standaloneCpu ? Math.Round(tag.CpuSeconds / standaloneCpu.GetValue<double>(), 3) : null,
                ["naiveCpuOverSchedulerCpu"] = naive?["cpuSeconds"] is { } naiveCpu ? Math.Round(naiveCpu.GetValue<double>() / tag.CpuSeconds, 2) : null,
                ["tagOverStandaloneWithHostLoads"] = standalone is null ? null : Math.Round(tag.WallMs / (standaloneInference + tagLoads.Sum(m => m.LoadMs)), 3),
                ["overhead"] = Breakdown(tag, sidecars, standaloneInference),
                ["peakTreeRssDefaultMiB"] = Mib(tag.Sampler!.PeakTreeRssBytes),
                ["peakTreeRssBudgetedMiB"] = Mib(budgeted.Sampler!.PeakTreeRssBytes),
                ["peakDefaultOverBudgeted"] = Math.Round(tag.Sampler.PeakTreeRssBytes / (double)Math.Max(1, budgeted.Sampler.PeakTreeRssBytes), 2),
            },
            ["failures"] = new JsonArray(failures.Select(f => (JsonNode)f).ToArray()),
            ["measuredAt"] = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC",
        };
        var json = result.ToJsonString(Indented);
        File.WriteAllText(outPath, json);
        Console.WriteLine(json);
        foreach (var failure in failures)
        {
            Console.Error.WriteLine("[scheduler bench] PROBLEM: " + failure);
        }

        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// Where tag's wall time goes beyond the engines, from its own output: start-up (runtime, host, up to the journal's
    /// "open" line), ingest (sniff + sha256 + journal, up to the "N to process" line), the probe stage and the model
    /// stages as their sidecars time them, model loads as the scheduler logs them (host start included), the rest of the
    /// drain (IPC framing, journal claims and results, sidecar writes, scheduling), then the shutdown of the hosts.
    /// </summary>
    private static JsonObject Breakdown(TagRun tag, SidecarSummary sidecars, double standaloneInferenceMs)
    {
        var startupMs = tag.JournalOpenAtMs ?? 0;
        var ingestEnd = tag.QueuedAtMs ?? startupMs;
        var drainEnd = tag.DoneAtMs ?? tag.WallMs;
        var modelStages = InProcessStages.ModelStages.Sum(s => sidecars.StageMs.GetValueOrDefault(s.Stage));
        var probe = sidecars.StageMs.GetValueOrDefault("probe");
        var loads = tag.Loaded.Sum(l => l.LoadMs);
        var drain = drainEnd - ingestEnd;
        return new JsonObject
        {
            ["wallMs"] = Math.Round(tag.WallMs),
            ["startupMs"] = Math.Round(startupMs),
            ["ingestMs"] = Math.Round(ingestEnd - startupMs),
            ["probeMs"] = Math.Round(probe),
            ["modelLoadsMs"] = loads,
            ["modelStagesInHostsMs"] = Math.Round(modelStages),
            ["modelStagesInHostsOverStandalone"] = standaloneInferenceMs > 0 ? Math.Round(modelStages / standaloneInferenceMs, 3) : null,
            ["drainRestMs"] = Math.Round(drain - probe - loads - modelStages),
            ["shutdownMs"] = Math.Round(tag.WallMs - drainEnd),
            ["perStageInHostsMs"] = new JsonObject(sidecars.StageMs.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Math.Round(p.Value)))),
        };
    }

    private static string Config(string root, string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        var image = new JsonArray { new JsonObject { ["stage"] = "probe" } };
        foreach (var definition in InProcessStages.ModelStages)
        {
            image.Add(new JsonObject
            {
                ["stage"] = definition.Stage,
                ["with"] = new JsonObject(definition.With.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            });
        }

        var config = new JsonObject
        {
            ["worker"] = new JsonObject { ["journalPath"] = "journal.db" },
            ["pipelines"] = new JsonObject
            {
                ["default"] = new JsonObject
                {
                    ["image"] = image,
                    ["audio"] = new JsonArray { new JsonObject { ["stage"] = "probe" } },
                    ["video"] = new JsonArray { new JsonObject { ["stage"] = "probe" } },
                },
            },
            ["outputs"] = new JsonObject { ["sidecar"] = "beside", ["formats"] = new JsonArray() },
        };
        var path = Path.Combine(dir, "pipelines.json");
        File.WriteAllText(path, config.ToJsonString(Indented));
        return path;
    }

    /// <summary>`mediatagger status --json`: the journal's model load accounting.</summary>
    private static async Task<JsonObject?> StatusAsync(string root, string config)
    {
        using var process = Process.Start(Mediatagger(root, ["status", "--json", "--config", config]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stderr;
        return JsonNode.Parse(await stdout)?.AsObject();
    }

    private static IEnumerable<(string ModelId, int Loads, long LoadMs, long FootprintBytes)> Models(JsonObject? status) =>
        (status?["models"]?.AsArray() ?? []).Select(m => (
            m!["modelId"]!.GetValue<string>(),
            m["loads"]!.GetValue<int>(),
            m["totalLoadMs"]!.GetValue<long>(),
            m["lastFootprintBytes"]?.GetValue<long>() ?? 0));

    /// <summary>Runs this bench with another verb in a process of its own; returns its JSON.</summary>
    private static async Task<JsonObject?> SelfAsync(string[] args, string resultPath, List<string> failures)
    {
        var start = SelfStart();
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var cpuBefore = ChildCpu.Seconds();
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        var cpu = ChildCpu.Seconds() - cpuBefore;
        if (process.ExitCode != 0)
        {
            failures.Add($"{args[0]} exited with {process.ExitCode}");
        }

        if (!File.Exists(resultPath) || JsonNode.Parse(await File.ReadAllTextAsync(resultPath)) is not JsonObject result)
        {
            return null;
        }

        result["cpuSeconds"] = Math.Round(cpu, 2);
        await File.WriteAllTextAsync(resultPath, result.ToJsonString(Indented));
        return result;
    }

    private static ProcessStartInfo SelfStart()
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(SchedulerBench).Assembly.Location);
        }

        return start;
    }

    internal static ProcessStartInfo Mediatagger(string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mediatagger.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }

    /// <summary>Per stage, the time its sidecars record (the stage's own timing inside its host), summed over the files.</summary>
    private static SidecarSummary SidecarTimes(string media, int count)
    {
        var ms = new Dictionary<string, double>(StringComparer.Ordinal);
        var problems = new List<string>();
        var found = 0;
        foreach (var sidecar in Directory.GetFiles(media, "*.png.json"))
        {
            found++;
            var stages = JsonNode.Parse(File.ReadAllText(sidecar))?["stages"]?.AsObject() ?? [];
            foreach (var (stage, node) in stages)
            {
                ms[stage] = ms.GetValueOrDefault(stage) + (node?["ms"]?.GetValue<double>() ?? 0);
                if (node?["status"]?.GetValue<string>() is { } status && status != "done")
                {
                    problems.Add($"{Path.GetFileName(sidecar)}: stage {stage} is {status}");
                }
            }
        }

        if (found != count)
        {
            problems.Add($"{found} sidecars for {count} images");
        }

        return new SidecarSummary(ms, problems);
    }

    private static void DeleteSidecars(string media)
    {
        foreach (var sidecar in Directory.GetFiles(media, "*.json"))
        {
            File.Delete(sidecar);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Sum(JsonNode? perStage) => perStage?.AsObject().Sum(p => p.Value!.GetValue<double>()) ?? 0;

    internal static double Mib(long bytes) => Math.Round(bytes / 1048576.0, 1);

    [GeneratedRegex(@"Loaded (?<model>\S+) for stage (?<stage>\S+) in (?<ms>\d+) ms: (?<mib>[\d.]+) MiB; resident (?<resident>[\d.]+) of (?<budget>[\d.]+) MiB")]
    internal static partial Regex LoadedLine();

    [GeneratedRegex(@"Unloaded (?<model>\S+) \(stage (?<stage>\S+)\): (?<reason>.*)$")]
    internal static partial Regex UnloadedLine();

    [GeneratedRegex(@"SqliteJournal\[3100\] Journal .* open")]
    internal static partial Regex JournalOpenLine();

    [GeneratedRegex(@"^(?<n>\d+) to process")]
    internal static partial Regex QueuedLine();

    [GeneratedRegex(@"^done (?<done>\d+), failed (?<failed>\d+), .* in (?<s>[\d.]+) s$")]
    internal static partial Regex DoneLine();
}

internal sealed record SidecarSummary(Dictionary<string, double> StageMs, List<string> Problems);

/// <summary>
/// CPU time (user + system) of this process's waited-for children and their waited-for descendants (cutime + cstime
/// of /proc/self/stat): around one child run, the CPU its whole process tree used, which other load on the machine
/// disturbs far less than wall time.
/// </summary>
internal static class ChildCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds() => Ticks(13) / TicksPerSecond;

    /// <summary>This process's own CPU time (utime + stime): the sampler and the reading of a run's output.</summary>
    public static double OwnSeconds() => Ticks(11) / TicksPerSecond;

    private static long Ticks(int first)
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime, stime are fields 14 and 15 (11, 12 here); cutime, cstime 16 and 17 (13, 14).
        return long.Parse(fields[first], CultureInfo.InvariantCulture) + long.Parse(fields[first + 1], CultureInfo.InvariantCulture);
    }
}

/// <summary>One `mediatagger tag` process: its output lines with the time each arrived, and optionally its process tree's RSS.</summary>
internal sealed class TagRun
{
    private readonly Process process;
    private readonly Stopwatch clock;
    private readonly List<(double AtMs, string Line)> lines = [];
    private readonly string[] overrides;

    private readonly double cpuBefore;
    private readonly double ownCpuBefore = ChildCpu.OwnSeconds();

    private TagRun(Process process, Stopwatch clock, double cpuBefore, string command, string[] overrides, bool sample)
    {
        this.process = process;
        this.cpuBefore = cpuBefore;
        this.clock = clock;
        this.overrides = overrides;
        Command = command;
        Sampler = sample ? new ProcessTreeSampler(process.Id, TimeSpan.FromMilliseconds(50)) : null;
    }

    public string Command { get; }

    public ProcessTreeSampler? Sampler { get; }

    public double WallMs { get; private set; }

    /// <summary>CPU time of the worker and its model hosts.</summary>
    public double CpuSeconds { get; private set; }

    /// <summary>CPU time of this bench process meanwhile (the RSS sampler, reading the run's output): what watching cost.</summary>
    public double BenchCpuSeconds { get; private set; }

    public int ExitCode { get; private set; }

    /// <summary>When the journal's "open" line came: start-up is over, ingest begins.</summary>
    public double? JournalOpenAtMs { get; private set; }

    /// <summary>When the "N to process" line came: ingest is over.</summary>
    public double? QueuedAtMs { get; private set; }

    /// <summary>When the "done ..." line came: every sidecar is written; the hosts are shut down after it.</summary>
    public double? DoneAtMs { get; private set; }

    public int Done { get; private set; }

    public List<(string Stage, long LoadMs, double FootprintMiB, double ResidentMiB)> Loaded { get; } = [];

    public List<string> SchedulerLines { get; } = [];

    public int Swaps { get; private set; }

    public int MaxResidentModels { get; private set; }

    public double MaxResidentMiB { get; private set; }

    public static TagRun Start(string root, string config, string[] overrides, string target, bool sample)
    {
        var args = new List<string> { "tag", "--config", config };
        foreach (var o in overrides)
        {
            args.AddRange(["--set", o]);
        }

        args.Add(target);
        var command = "mediatagger " + string.Join(' ', args.Select(a => a.StartsWith(root, StringComparison.Ordinal) ? Path.GetRelativePath(root, a) : a));
        var cpuBefore = ChildCpu.Seconds();
        var clock = Stopwatch.StartNew();
        var process = Process.Start(SchedulerBench.Mediatagger(Path.GetDirectoryName(config)!, args))!;
        var run = new TagRun(process, clock, cpuBefore, command, overrides, sample);
        process.OutputDataReceived += (_, e) => run.Add(e.Data);
        process.ErrorDataReceived += (_, e) => run.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    public async Task WaitAsync()
    {
        await process.WaitForExitAsync();
        WallMs = clock.Elapsed.TotalMilliseconds;
        CpuSeconds = ChildCpu.Seconds() - cpuBefore;
        BenchCpuSeconds = ChildCpu.OwnSeconds() - ownCpuBefore;
        ExitCode = process.ExitCode;
        Sampler?.Dispose();
        process.Dispose();
        lock (lines)
        {
            var resident = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (at, line) in lines)
            {
                if (SchedulerBench.JournalOpenLine().IsMatch(line))
                {
                    JournalOpenAtMs ??= at;
                }
                else if (SchedulerBench.QueuedLine().IsMatch(line))
                {
                    QueuedAtMs ??= at;
                }
                else if (SchedulerBench.DoneLine().Match(line) is { Success: true } done)
                {
                    DoneAtMs = at;
                    Done = int.Parse(done.Groups["done"].Value, CultureInfo.InvariantCulture);
                }
                else if (SchedulerBench.LoadedLine().Match(line) is { Success: true } loaded)
                {
                    SchedulerLines.Add(Trim(line));
                    var stage = loaded.Groups["stage"].Value;
                    var residentMiB = double.Parse(loaded.Groups["resident"].Value, CultureInfo.InvariantCulture);
                    Loaded.Add((stage, long.Parse(loaded.Groups["ms"].Value, CultureInfo.InvariantCulture),
                        double.Parse(loaded.Groups["mib"].Value, CultureInfo.InvariantCulture), residentMiB));
                    resident.Add(stage);
                    MaxResidentModels = Math.Max(MaxResidentModels, resident.Count);
                    MaxResidentMiB = Math.Max(MaxResidentMiB, residentMiB);
                }
                else if (SchedulerBench.UnloadedLine().Match(line) is { Success: true } unloaded)
                {
                    SchedulerLines.Add(Trim(line));
                    resident.Remove(unloaded.Groups["stage"].Value);
                    if (unloaded.Groups["reason"].Value.StartsWith("swap", StringComparison.Ordinal))
                    {
                        Swaps++;
                    }
                }
                else if (line.Contains("Refused:", StringComparison.Ordinal))
                {
                    SchedulerLines.Add(Trim(line));
                }
            }
        }
    }

    public IEnumerable<string> Problems(string name, int expected)
    {
        if (ExitCode != 0)
        {
            yield return $"{name} exited with {ExitCode}";
        }

        if (Done != expected)
        {
            yield return $"{name} completed {Done} of {expected} files";
        }
    }

    public void SaveLog(string path)
    {
        lock (lines)
        {
            File.WriteAllLines(path, lines.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.AtMs / 1000:0.000} {l.Line}")));
        }
    }

    public JsonObject ToJson(JsonObject? status, SidecarSummary sidecars, JsonObject? before = null)
    {
        var loadsBefore = (before?["models"]?.AsArray() ?? []).ToDictionary(m => m!["modelId"]!.GetValue<string>(), m => m!["loads"]!.GetValue<int>(), StringComparer.Ordinal);
        var models = (status?["models"]?.AsArray() ?? []).Select(m => (JsonNode)new JsonObject
        {
            ["model"] = m!["modelId"]!.GetValue<string>(),
            ["loads"] = m["loads"]!.GetValue<int>() - loadsBefore.GetValueOrDefault(m["modelId"]!.GetValue<string>()),
            ["lastFootprintMiB"] = SchedulerBench.Mib(m["lastFootprintBytes"]?.GetValue<long>() ?? 0),
        }).ToArray();
        var sampler = Sampler!;
        return new JsonObject
        {
            ["command"] = Command,
            ["profile"] = overrides.Length == 0 ? "cpu (default)" : string.Join(' ', overrides),
            ["exitCode"] = ExitCode,
            ["filesDone"] = Done,
            ["wallMs"] = Math.Round(WallMs),
            ["cpuSeconds"] = Math.Round(CpuSeconds, 2),
            ["loads"] = models.Sum(m => m["loads"]!.GetValue<int>()),
            ["loadsLogged"] = Loaded.Count,
            ["models"] = new JsonArray(models),
            ["swaps"] = Swaps,
            ["maxResidentModels"] = MaxResidentModels,
            ["maxResidentMiB"] = MaxResidentMiB,
            ["schedulerLog"] = new JsonArray(SchedulerLines.Select(l => (JsonNode)l).ToArray()),
            ["peakTreeRssMiB"] = SchedulerBench.Mib(sampler.PeakTreeRssBytes),
            ["peakAtSeconds"] = Math.Round(sampler.PeakAtSeconds, 2),
            ["hostsAtPeak"] = new JsonArray(sampler.HostsAtPeak.Select(h => (JsonNode)h).ToArray()),
            ["maxConcurrentHosts"] = sampler.MaxConcurrentHosts,
            ["rssSamples"] = sampler.Samples,
            ["samplerCpuSeconds"] = Math.Round(BenchCpuSeconds, 2),
            ["processes"] = new JsonArray(sampler.Processes.OrderBy(p => p.FirstSeenSeconds).Select(p => (JsonNode)new JsonObject
            {
                ["role"] = p.Role,
                ["pid"] = p.Pid,
                ["vmHwmMiB"] = SchedulerBench.Mib(p.VmHwmBytes),
                ["aliveSeconds"] = new JsonArray(Math.Round(p.FirstSeenSeconds, 2), Math.Round(p.LastSeenSeconds, 2)),
            }).ToArray()),
            ["sidecarStageMs"] = new JsonObject(sidecars.StageMs.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Math.Round(p.Value)))),
        };
    }

    private static string Trim(string line)
    {
        var at = line.IndexOf("MediaTagger.Scheduler", StringComparison.Ordinal);
        return at >= 0 ? line[at..] : line;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Add((clock.Elapsed.TotalMilliseconds, line));
        }
    }
}
