using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core;
using MediaTagger.Core.Models;
using MediaTagger.Core.Scheduling;

namespace MediaTagger.Cli;

/// <summary>
/// `models list|pull|verify|import|add|remove|plan`: the catalog, and fetching, checking, importing and planning its weights. The
/// JSON of each (`--json`) is documented in docs/models.md and only grows: fields are added, never renamed or removed.
/// </summary>
internal static partial class ModelsCommand
{
    public static Command Create(Option<string> config, Option<string[]> set)
    {
        var command = new Command("models", "List, download, verify, import, add and plan catalog models");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Pull(config, set));
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Plan(config, set));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var list = new Command("list", "Every catalog model: family, tiers, size, estimated VRAM, licence and whether it is installed");
        list.Options.Add(json);
        list.SetAction(parse =>
        {
            var (catalog, store) = Open();
            var rows = catalog.Models.Select(m =>
            {
                var state = ModelPlan.StateOf(store, m);
                return new ListRow(m.Id, m.Family, m.Description, m.Tiers, m.Heavy, m.TotalSize, m.Footprint.EstimatedBytes, m.License, m.TestOnly,
                    state is "installed" or "mirror", state,
                    m.Files.Select(f => new ListFile(f.Role, f.Name, f.Size, ModelChecksum.Name(f.ChecksumKind), f.Checksum, f.ImportOnly ? null : f.Url, f.ImportOnly, f.MirrorPath)).ToArray(),
                    m.Source);
            }).ToArray();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, CliJson.Options));
                return 0;
            }

            Console.WriteLine($"{"id",-30} {"family",-8} {"tiers",-12} {"size",10} {"est. VRAM",10} {"kind",-5} {"licence",-16} {"installed",-10} test-only");
            foreach (var r in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(r.Source == ModelEntry.UserSource ? r.Id + " [user]" : r.Id),-30} {r.Family,-8} {string.Join(",", r.Tiers),-12} {Mb(r.Size),10} {Mb(r.EstimatedBytes),10} {(r.Heavy ? "heavy" : "light"),-5} {r.License,-16} {Installed(r.State),-10} {(r.TestOnly ? "yes" : "")}"));
            }

            if (rows.Any(r => r.Source == ModelEntry.UserSource))
            {
                Console.WriteLine($"[user]: added with `models add` from your own files ({ProductPaths.UserCatalogPath}); checksums are the ones computed when added.");
            }

            Console.WriteLine("est. VRAM: the catalog's footprint estimate (weights x bytes per parameter + overhead + working memory); the scheduler uses the measured footprint after the first load.");
            return 0;
        });
        return list;
    }

    /// <summary>A row of `models list --json`.</summary>
    /// <param name="Installed">Usable now: every file verified in the model folder or the mirror.</param>
    /// <param name="State">installed (model folder), mirror, missing, or corrupt (a copy fails its checksum).</param>
    /// <param name="Source">product (models/catalog.json) or user (added with `models add`, models/user-catalog.json).</param>
    private sealed record ListRow(string Id, string Family, string Description, IReadOnlyList<string> Tiers, bool Heavy, long Size, long EstimatedBytes,
        string License, bool TestOnly, bool Installed, string State, IReadOnlyList<ListFile> Files, string Source);

    /// <param name="Url">Null for an import-only file (no public source: installed with `models import`).</param>
    private sealed record ListFile(string Role, string Name, long Size, string Algorithm, string Checksum, string? Url, bool ImportOnly, string? MirrorPath);

    internal static string Installed(string state) => state switch
    {
        "installed" => "yes",
        "mirror" => "in mirror",
        "corrupt" => "corrupt",
        _ => "no",
    };

    internal static (ModelCatalog, ModelStore) Open() =>
        (ModelCatalog.Load(ProductPaths.CatalogPath), new ModelStore(ProductPaths.ModelDirectory, ProductPaths.ModelMirror));

    /// <summary>The catalog entries for <paramref name="ids"/>, or null after printing which ids are unknown.</summary>
    internal static IReadOnlyList<ModelEntry>? Lookup(ModelCatalog catalog, IEnumerable<string> ids)
    {
        var wanted = ids.Distinct(StringComparer.Ordinal).ToArray();
        var unknown = wanted.Where(id => !catalog.Models.Any(m => m.Id == id)).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"unknown model id{(unknown.Length > 1 ? "s" : "")}: {string.Join(", ", unknown)} (see `mediatagger models list`)");
            return null;
        }

        return wanted.Select(id => catalog[id]).ToArray();
    }

    internal static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");
}
