using System.CommandLine;
using System.Text.Json;
using MediaTagger.Doctor;

namespace MediaTagger.Cli;

/// <summary>`doctor [--json]`: engines, CPU, GPUs and models; exit 1 with what to do when something is missing.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("doctor", "Check the native engines, CPU features, GPUs and models");
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var report = DoctorChecks.Run();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, CliJson.Options));
            }
            else
            {
                Print(report);
            }

            return report.Healthy ? 0 : 1;
        });
        return command;
    }

    public static void Print(DoctorReport report)
    {
        Console.WriteLine("Engines");
        foreach (var e in report.Engines)
        {
            Console.WriteLine($"  {(e.Ok ? "ok  " : "FAIL")} {e.Name,-12} {e.Version ?? "-",-10} (pinned {e.Pinned})  {e.Path}");
            foreach (var (key, value) in e.Details)
            {
                Console.WriteLine($"         {key}: {value}");
            }

            if (e.Fix is not null)
            {
                Console.WriteLine($"         -> {e.Fix}");
            }
        }

        Console.WriteLine($"CPU      {report.Cpu.Model}, {report.Cpu.LogicalCores} logical cores, {string.Join(" ", report.Cpu.Features)}");
        Console.WriteLine($"GPU      {report.GpuNote}");
        foreach (var g in report.Gpus)
        {
            Console.WriteLine($"         {g.Name}: {g.FreeMiB} MiB free of {g.TotalMiB} MiB (driver {g.Driver})");
        }

        Console.WriteLine($"Models   folder {report.Models.ModelDirectory}; mirror {report.Models.Mirror ?? "(none: set MEDIATAGGER_MODEL_MIRROR)"}");
        foreach (var m in report.Models.Models)
        {
            Console.WriteLine($"         {m.Id,-24} {m.Family,-8} {m.Location,-14}{(m.TestOnly ? " test-only" : "")}");
        }

        Console.WriteLine(report.Healthy ? "All engines ready." : "Some engines are not ready: see the lines marked FAIL.");
    }
}

internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
