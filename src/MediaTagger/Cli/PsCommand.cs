using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.ModelHosts;
using MediaTagger.Core.Scheduling;
using MediaTagger.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Cli;

/// <summary>`ps [--json]`: the running worker's resident models against the budget, its queue and swap accounting.</summary>
internal static class PsCommand
{
    public static Command Create(Option<string> config, Option<string[]> set)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("ps", "The running worker's resident models, memory budget, queue per stage and swaps");
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var snapshot = SchedulerView.Load(parse.GetValue(config)!, parse.GetValue(set)!, out var problem);
            if (problem is not null)
            {
                Console.Error.WriteLine(problem);
                return 1;
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(SchedulerView.ToJson(snapshot)?.ToJsonString(CliJson.Options) ?? "null");
                return 0;
            }

            SchedulerView.Print(snapshot);
            return 0;
        });
        return command;
    }
}

/// <summary>Reads and renders the scheduler snapshot a worker keeps beside its journal (for `ps` and `status`).</summary>
internal static class SchedulerView
{
    /// <summary>The snapshot of the running worker for this configuration, or null when none runs.</summary>
    public static SchedulerSnapshot? Load(string configPath, string[] overrides, out string? problem)
    {
        problem = null;
        using var host = WorkerHost.CreateBuilder(configPath, overrides).Build();
        var options = WorkerHost.ValidatedOptions(host.Services);
        if (options is null)
        {
            problem = "the configuration is not valid";
            return null;
        }

        var baseDirectory = host.Services.GetRequiredService<WorkerPaths>().BaseDirectory;
        return Read(options, baseDirectory);
    }

    public static SchedulerSnapshot? Read(MediaTaggerOptions options, string baseDirectory)
    {
        var path = WorkerHost.SnapshotPath(Path.GetFullPath(options.Worker.JournalPath, baseDirectory));
        var snapshot = SchedulerSnapshot.Read(path);
        return snapshot is { WorkerAlive: true } ? snapshot : null;
    }

    /// <summary>The snapshot as JSON, with each host's resident memory read now from the system.</summary>
    public static JsonNode? ToJson(SchedulerSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            return null;
        }

        var node = JsonSerializer.SerializeToNode(snapshot, SchedulerSnapshot.Json)!.AsObject();
        node["workerRssBytes"] = ProcessMemory.ResidentBytes(snapshot.WorkerPid);
        foreach (var r in node["resident"]!.AsArray())
        {
            if (r!["hostPid"]?.GetValue<int?>() is { } pid)
            {
                r["hostRssNowBytes"] = ProcessMemory.ResidentBytes(pid);
            }
        }

        return node;
    }

    public static void Print(SchedulerSnapshot? s)
    {
        if (s is null)
        {
            Console.WriteLine("No worker is running for this configuration.");
            return;
        }

        static string MiB(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
        Console.WriteLine($"Worker pid {s.WorkerPid} (RSS {MiB(ProcessMemory.ResidentBytes(s.WorkerPid) ?? 0)} MiB), profile {s.Profile}: " +
            $"{MiB(s.ResidentBytes)} of {MiB(s.BudgetBytes)} MiB budget resident");
        Console.WriteLine($"Loads {s.Loads}, unloads {s.Unloads}, swaps {s.Swaps}, refusals {s.Refusals}, load time {s.TotalLoadMs} ms; as of {s.At:HH:mm:ss}");
        if (s.Resident.Count == 0)
        {
            Console.WriteLine("No model resident.");
        }
        else
        {
            Console.WriteLine($"  {"stage",-10} {"model",-22} {"kind",-6} {"device",-6} {"MiB",8} {"now MiB",8} {"pid",7} {"batches",8} {"tasks",6}");
            foreach (var r in s.Resident)
            {
                var now = r.HostPid is { } pid ? ProcessMemory.ResidentBytes(pid) ?? 0 : r.ResidentBytes;
                Console.WriteLine($"  {r.Stage,-10} {r.ModelId,-22} {(r.Heavy ? "heavy" : "light"),-6} {r.Device,-6} {MiB(r.FootprintBytes),8} {MiB(now),8} {r.HostPid?.ToString(CultureInfo.InvariantCulture) ?? "-",7} {r.Batches,8} {r.Tasks,6}");
            }
        }

        if (s.Queue.Count > 0)
        {
            Console.WriteLine("Queue: " + string.Join(", ", s.Queue.Select(q => $"{q.Stage} {q.Claimable} ready, {q.Waiting} waiting")));
        }
    }
}
