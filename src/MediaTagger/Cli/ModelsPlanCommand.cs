using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Journal;
using MediaTagger.Core.Scheduling;
using MediaTagger.Hosting;
using MediaTagger.Stages;
using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Cli;

/// <summary>`models plan [--profile P] [--pipeline NAME] [--json]`: which pipeline models fit a memory profile, by the scheduler's rule.</summary>
internal static partial class ModelsCommand
{
    private static Command Plan(Option<string> config, Option<string[]> set)
    {
        var profile = new Option<string>("--profile") { Description = "cpu, 4gb, 8gb or a size in MB (6144 or 6144MB); default: the configuration's worker.profile" };
        var pipeline = new Option<string>("--pipeline") { Description = "Only this pipeline (default: every pipeline in --config)" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var plan = new Command("plan", "Which pipeline models fit a memory profile (the scheduler's budget and rule), with the numbers in MB; exit 1 when one cannot fit");
        plan.Options.Add(profile);
        plan.Options.Add(pipeline);
        plan.Options.Add(json);
        plan.SetAction(parse =>
        {
            var overrides = parse.GetValue(set)!.ToList();
            if (parse.GetValue(profile) is { Length: > 0 } p)
            {
                // A bare number is MB, as in "--profile 6144".
                overrides.Add("worker:profile=" + (p.All(char.IsAsciiDigit) ? p + "MB" : p));
            }

            var read = PipelineModels.Read(parse.GetValue(config)!, [.. overrides], parse.GetValue(pipeline));
            if (read is null)
            {
                return 1;
            }

            var store = new Core.Models.ModelStore(Core.ProductPaths.ModelDirectory, Core.ProductPaths.ModelMirror);
            var settings = SchedulerSettings.FromWorker(read.Options.Worker);
            using var journal = File.Exists(read.JournalPath) ? new SqliteJournal(read.JournalPath) : null;
            var result = ModelPlan.Build(read.Stages, settings, store, id => journal?.MeasuredFootprintBytes(id, settings.Device));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(PlanJson(result), CliJson.Options));
            }
            else
            {
                PrintPlan(result);
            }

            return result.AllFit ? 0 : 1;
        });
        return plan;
    }

    private static long MbOf(long bytes) => (long)Math.Round(bytes / 1048576.0);

    private static object PlanJson(ModelPlan plan) => new
    {
        Profile = plan.Settings.Budget.Profile,
        BudgetBytes = plan.Settings.Budget.Bytes,
        BudgetMB = MbOf(plan.Settings.Budget.Bytes),
        HostOverheadBytes = plan.Settings.HostOverheadBytes,
        Fits = plan.AllFit,
        Models = plan.Models.Select(m => new
        {
            m.Model.Id,
            m.Model.Heavy,
            EstimatedBytes = m.Model.Footprint.EstimatedBytes,
            m.NeedBytes,
            NeedMB = MbOf(m.NeedBytes),
            m.Measured,
            m.Fits,
            m.Installed,
            m.State,
            m.UsedBy,
            Pull = m.Installed ? null : "mediatagger models pull " + m.Model.Id,
        }),
        Peak = new
        {
            Bytes = plan.PeakBytes,
            MB = MbOf(plan.PeakBytes),
            Heavy = plan.PeakHeavy?.Model.Id,
            Fits = plan.PeakFits,
        },
        plan.Problems,
        Pull = plan.Missing.Count > 0 ? "mediatagger models pull " + string.Join(' ', plan.Missing) : null,
    };

    private static void PrintPlan(ModelPlan plan)
    {
        var budget = plan.Settings.Budget;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"Profile {budget.Profile}: budget {MbOf(budget.Bytes)} MB") +
            (plan.Settings.HostOverheadBytes > 0 ? string.Create(inv, $"; each model runs in a model host (+{MbOf(plan.Settings.HostOverheadBytes)} MB)") : ""));
        Console.WriteLine($"{"model",-30} {"kind",-5} {"est. MB",8} {"need MB",8} {"fits",-4} {"installed",-10} used by");
        foreach (var m in plan.Models)
        {
            Console.WriteLine(string.Create(inv,
                $"{m.Model.Id,-30} {(m.Model.Heavy ? "heavy" : "light"),-5} {MbOf(m.Model.Footprint.EstimatedBytes),8} {MbOf(m.NeedBytes),8}{(m.Measured ? "*" : " ")}{(m.Fits ? "yes" : "NO"),-4} {Installed(m.State),-10} {string.Join(", ", m.UsedBy)}"));
        }

        if (plan.Models.Any(m => m.Measured))
        {
            Console.WriteLine("* measured on this machine (the journal's last load); the others are catalog estimates plus the host overhead");
        }

        foreach (var m in plan.Models.Where(m => !m.Fits))
        {
            Console.WriteLine(string.Create(inv,
                $"{m.Model.Id} needs {MbOf(m.NeedBytes)} MB, more than the {MbOf(budget.Bytes)} MB budget: the scheduler refuses it. Choose a smaller model, or a larger profile (--profile {ModelAdmission.ProfileFor(m.NeedBytes)})."));
        }

        Console.WriteLine("The scheduler loads at most one heavy model at a time (heavy models take turns); light models stay loaded beside it.");
        var heavy = plan.PeakHeavy is { } h ? string.Create(inv, $"heavy {h.Model.Id} {MbOf(h.NeedBytes)} MB + ") : "";
        var lights = plan.Models.Where(m => m.Fits && !m.Model.Heavy).Sum(m => m.NeedBytes);
        Console.WriteLine(string.Create(inv, $"Peak {MbOf(plan.PeakBytes)} MB ({heavy}lights {MbOf(lights)} MB) of {MbOf(budget.Bytes)} MB: ") +
            (plan.PeakFits ? "fits" : "over budget: light models will be unloaded and reloaded to make room (works, more slowly)"));
        foreach (var problem in plan.Problems)
        {
            Console.WriteLine("Problem: " + problem);
        }

        if (plan.Missing.Count > 0)
        {
            Console.WriteLine("Missing: mediatagger models pull " + string.Join(' ', plan.Missing));
        }
    }
}

/// <summary>The catalog models a configuration's pipelines use, stage by stage, as the worker resolves them.</summary>
internal static class PipelineModels
{
    public sealed record Result(MediaTaggerOptions Options, IReadOnlyList<PlannedStage> Stages, string JournalPath);

    /// <summary>Null (after printing why) when the configuration is not valid or has no such pipeline.</summary>
    public static Result? Read(string configPath, string[] overrides, string? pipeline)
    {
        using var host = WorkerHost.CreateBuilder(configPath, overrides).Build();
        var options = WorkerHost.ValidatedOptions(host.Services);
        if (options is null)
        {
            return null;
        }

        if (pipeline is not null && !options.Pipelines.ContainsKey(pipeline))
        {
            Console.Error.WriteLine($"no pipeline '{pipeline}' in the configuration (have: {string.Join(", ", options.Pipelines.Keys)})");
            return null;
        }

        var catalog = host.Services.GetRequiredService<StageCatalog>();
        var stages = new List<PlannedStage>();
        foreach (var (name, definition) in options.Pipelines.Where(p => pipeline is null || p.Key == pipeline))
        {
            foreach (var (kind, list) in new[] { ("image", definition.Image), ("audio", definition.Audio), ("video", definition.Video) })
            {
                foreach (var stage in list)
                {
                    var usedBy = $"{name}/{kind}/{stage.Stage}";
                    try
                    {
                        if (catalog.ModelOf(stage) is { } model)
                        {
                            stages.Add(new PlannedStage(usedBy, model));
                        }
                    }
                    catch (Exception ex) when (ex is KeyNotFoundException or ArgumentException)
                    {
                        stages.Add(new PlannedStage(usedBy, null, ex.Message));
                    }
                }
            }
        }

        return new Result(options, stages, Path.GetFullPath(options.Worker.JournalPath, host.Services.GetRequiredService<WorkerPaths>().BaseDirectory));
    }
}
