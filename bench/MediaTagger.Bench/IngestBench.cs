using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

/// <summary>
/// The real worker (`mediatagger run`, probe pipeline) over COUNT small files dropped into its inbox at once:
/// throughput (files/s from the first write to the last sidecar), latency from a file's last write to its sidecar
/// beyond the stable window (p50/p95), and the worker's RSS sampled as it goes (it must stay flat).
/// </summary>
internal static class IngestBench
{
    private const double StableWindowSeconds = 1.0;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Run(string sourceImage, int count, string outPath)
    {
        var root = Directory.CreateTempSubdirectory("mt-ingest-bench-").FullName;
        try
        {
            return Measure(sourceImage, count, outPath, root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static int Measure(string sourceImage, int count, string outPath, string root)
    {
        var inbox = Path.Combine(root, "inbox");
        Directory.CreateDirectory(inbox);
        var config = Path.Combine(root, "pipelines.json");
        File.WriteAllText(config, $$"""
            { "worker": { "stableWindowSeconds": {{StableWindowSeconds.ToString(CultureInfo.InvariantCulture)}}, "journalPath": "journal.db" },
              "watch": [ { "path": "inbox", "pipeline": "default" } ],
              "pipelines": { "default": { "image": [ { "stage": "probe" } ], "audio": [ { "stage": "probe" } ], "video": [ { "stage": "probe" } ] } } }
            """);
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mediatagger.dll"));
        foreach (var a in new[] { "run", "--config", config })
        {
            psi.ArgumentList.Add(a);
        }

        using var worker = Process.Start(psi)!;
        worker.OutputDataReceived += (_, _) => { };
        worker.ErrorDataReceived += (_, _) => { };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        Thread.Sleep(3000);
        var idleRss = Rss(worker.Id);

        var png = File.ReadAllBytes(sourceImage);
        var files = new string[count];
        var written = new DateTime[count];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var dir = Path.Combine(inbox, $"d{i / 500:D3}");
            Directory.CreateDirectory(dir);
            files[i] = Path.Combine(dir, $"f{i:D5}.png");
            File.WriteAllBytes(files[i], [.. png, (byte)i, (byte)(i >> 8), (byte)(i >> 16)]);
            written[i] = File.GetLastWriteTimeUtc(files[i]);
        }

        var writeSeconds = clock.Elapsed.TotalSeconds;
        var rss = new List<(int Done, long Rss)>();
        var done = 0;
        var deadline = TimeSpan.FromMinutes(20);
        while (done < count && clock.Elapsed < deadline)
        {
            Thread.Sleep(1000);
            done = 0;
            foreach (var f in files)
            {
                if (File.Exists(f + ".json"))
                {
                    done++;
                }
            }

            rss.Add((done, Rss(worker.Id)));
        }

        var totalSeconds = clock.Elapsed.TotalSeconds;

        // A trickle: one file every 300 ms into the idle worker, the everyday case of a watched folder.
        var trickle = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var f = Path.Combine(inbox, $"trickle{i:D2}.png");
            File.WriteAllBytes(f, [.. png, 0xEE, (byte)i]);
            trickle.Add(f);
            Thread.Sleep(300);
        }

        var trickleDeadline = Stopwatch.StartNew();
        while (!trickle.All(f => File.Exists(f + ".json")) && trickleDeadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(200);
        }

        Process.Start("kill", ["-TERM", worker.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        worker.WaitForExit(30_000);

        double[] Latencies(IEnumerable<string> set) => set.Where(f => File.Exists(f + ".json"))
            .Select(f => (File.GetLastWriteTimeUtc(f + ".json") - File.GetLastWriteTimeUtc(f)).TotalSeconds - StableWindowSeconds)
            .Order().ToArray();
        var latencies = Latencies(files);
        var trickleLatencies = Latencies(trickle);
        static double Pct(double[] values, double p) => values.Length == 0 ? double.NaN : Math.Round(values[(int)Math.Min(values.Length - 1, p * values.Length)], 2);
        long RssAt(double fraction) => rss.FirstOrDefault(r => r.Done >= fraction * count).Rss;
        var result = new
        {
            files = count,
            completed = done,
            stableWindowSeconds = StableWindowSeconds,
            writeSeconds = Math.Round(writeSeconds, 1),
            totalSeconds = Math.Round(totalSeconds, 1),
            filesPerSecond = Math.Round(done / totalSeconds, 1),
            latencyBeyondWindowP50Seconds = Pct(latencies, 0.5),
            latencyBeyondWindowP95Seconds = Pct(latencies, 0.95),
            trickleFiles = trickle.Count,
            trickleLatencyBeyondWindowP50Seconds = Pct(trickleLatencies, 0.5),
            trickleLatencyBeyondWindowP95Seconds = Pct(trickleLatencies, 0.95),
            rssIdleMiB = idleRss / 1048576,
            rssAt20PercentMiB = RssAt(0.2) / 1048576,
            rssAt60PercentMiB = RssAt(0.6) / 1048576,
            rssAt100PercentMiB = RssAt(1.0) / 1048576,
            rssMaxMiB = rss.Count == 0 ? 0 : rss.Max(r => r.Rss) / 1048576,
        };
        var json = JsonSerializer.Serialize(result, Indented);
        File.WriteAllText(outPath, json);
        Console.WriteLine(json);
        return done == count ? 0 : 1;
    }

    private static long Rss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
