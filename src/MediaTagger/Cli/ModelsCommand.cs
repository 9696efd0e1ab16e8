using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core;
using MediaTagger.Core.Models;

namespace MediaTagger.Cli;

/// <summary>`models list [--json]` and `models pull ID`.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "List and install catalog models");

        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var list = new Command("list", "Every catalog model, its tiers, size and whether it is installed");
        list.Options.Add(json);
        list.SetAction(parse =>
        {
            var (catalog, store) = Open();
            var rows = catalog.Models.Select(m =>
            {
                var missing = m.Files.Select(f => store.Resolve(m, f)).FirstOrDefault(r => !r.Found);
                return new
                {
                    m.Id,
                    m.Family,
                    m.Tiers,
                    Size = m.TotalSize,
                    EstimatedBytes = m.Footprint.EstimatedBytes,
                    m.License,
                    m.TestOnly,
                    Installed = missing is null,
                };
            }).ToArray();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, CliJson.Options));
                return 0;
            }

            Console.WriteLine($"{"id",-24} {"family",-8} {"tiers",-14} {"size",10} {"est. mem",10} {"licence",-12} installed");
            foreach (var r in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Id,-24} {r.Family,-8} {string.Join(",", r.Tiers),-14} {Mb(r.Size),10} {Mb(r.EstimatedBytes),10} {r.License,-12} {(r.Installed ? "yes" : "no")}{(r.TestOnly ? " (test-only)" : "")}"));
            }

            return 0;
        });

        var id = new Argument<string>("id") { Description = "Catalog id, for example mobilenetv2-int8" };
        var pull = new Command("pull", "Download (or import from the mirror) and verify a model");
        pull.Arguments.Add(id);
        pull.SetAction(async (parse, ct) =>
        {
            var (catalog, store) = Open();
            var model = catalog[parse.GetValue(id)!];
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
            var progress = new Progress<DownloadProgress>(p =>
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.File}: {Mb(p.Received)} of {Mb(p.Total)}")));
            var paths = await new ModelDownloader(http, store).PullAsync(model, progress, ct).ConfigureAwait(false);
            foreach (var (role, path) in paths)
            {
                Console.WriteLine($"{model.Id} {role}: {path} ({ModelChecksum.Name(model.File(role).ChecksumKind)} verified)");
            }

            return 0;
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(pull);
        return command;
    }

    internal static (ModelCatalog, ModelStore) Open() =>
        (ModelCatalog.Load(ProductPaths.CatalogPath), new ModelStore(ProductPaths.ModelDirectory, ProductPaths.ModelMirror));

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");
}
