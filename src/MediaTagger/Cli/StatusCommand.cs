using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core.Journal;
using MediaTagger.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Cli;

/// <summary>
/// `status [--json]`: the running worker's resident models and budget (as `ps`), then the queue per stage, items per
/// state, model loads and the last errors, read from the journal.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(Option<string> config, Option<string[]> set)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("status", "Queue per stage, failures and the last errors");
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            using var host = WorkerHost.CreateBuilder(parse.GetValue(config)!, parse.GetValue(set)!).Build();
            var worker = WorkerHost.ValidatedOptions(host.Services);
            if (worker is null)
            {
                return 1;
            }

            var status = host.Services.GetRequiredService<IJournal>().GetStatus();
            var scheduler = SchedulerView.Read(worker, host.Services.GetRequiredService<WorkerPaths>().BaseDirectory);
            if (parse.GetValue(json))
            {
                var options = new JsonSerializerOptions(CliJson.Options) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
                var node = JsonSerializer.SerializeToNode(status, options)!.AsObject();
                node["scheduler"] = SchedulerView.ToJson(scheduler);
                Console.WriteLine(node.ToJsonString(options));
                return 0;
            }

            SchedulerView.Print(scheduler);

            Console.WriteLine("Items: " + string.Join(", ", status.Items.Where(p => p.Value > 0).Select(p => $"{p.Key.ToString().ToLowerInvariant()} {p.Value}")));
            Console.WriteLine($"{"stage",-12} {"pending",8} {"running",8} {"done",8} {"failed",8} {"quarant.",8}");
            foreach (var s in status.Stages)
            {
                Console.WriteLine($"{s.Stage,-12} {s.Pending,8} {s.Running,8} {s.Done,8} {s.Failed,8} {s.Quarantined,8}");
            }

            if (status.Models.Count > 0)
            {
                Console.WriteLine("Models (loads, unloads, total load time, last measured footprint):");
                foreach (var m in status.Models)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {m.ModelId,-22} {m.Device,-6} loads {m.Loads}, unloads {m.Unloads}, {m.TotalLoadMs} ms, {(m.LastFootprintBytes ?? 0) / 1048576.0:0.0} MiB"));
                }
            }

            if (status.RecentErrors.Count > 0)
            {
                Console.WriteLine("Last errors:");
                foreach (var e in status.RecentErrors)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {e.At:u} {e.Stage} (attempt {e.Attempt}, {e.Outcome}): {e.Path}: {e.Error}"));
                }
            }

            return 0;
        });
        return command;
    }
}
