using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaTagger.Core.Models;

/// <summary>
/// models/user-catalog.json: the entries `models add` wrote for files the user had (exports whose checksums no
/// publisher gives), in the product catalog's format, each file's sha256 the one computed when it was added.
/// <see cref="ModelCatalog.Load(string)"/> merges it; this class reads and rewrites it.
/// </summary>
public static class UserModelCatalog
{
    // Relaxed escaping: the file is for people to read too (backquotes, quotes in descriptions stay as typed).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The entries of the user catalog at <paramref name="path"/>; empty when there is none.</summary>
    /// <exception cref="ModelCatalogException">The file is not valid JSON or breaks the catalog's rules.</exception>
    public static IReadOnlyList<ModelEntry> Read(string path) =>
        File.Exists(path) ? ModelCatalog.Read(path, ModelEntry.UserSource) : [];

    /// <summary>Rewrites the user catalog with <paramref name="entries"/> (through a temporary file: a cut write leaves the old one).</summary>
    public static void Write(string path, IEnumerable<ModelEntry> entries)
    {
        var models = new JsonArray();
        foreach (var m in entries)
        {
            models.Add(ToJson(m));
        }

        var doc = new JsonObject
        {
            ["comment"] = "Models added with `mediatagger models add` from files the user had; checksums computed when they were added. Not part of the product: edit with `models add --force` / `models remove`.",
            ["models"] = models,
        };
        Sidecars.SidecarWriter.WriteAtomically(Path.GetFullPath(path), doc.ToJsonString(Indented) + "\n");
    }

    private static JsonObject ToJson(ModelEntry m)
    {
        var files = new JsonArray();
        foreach (var f in m.Files)
        {
            var file = new JsonObject { ["role"] = f.Role, ["name"] = f.Name };
            if (!f.ImportOnly)
            {
                file["url"] = f.Url;
            }

            if (f.Sha256 is not null)
            {
                file["sha256"] = f.Sha256;
            }

            if (f.Sha1 is not null)
            {
                file["sha1"] = f.Sha1;
            }

            file["size"] = f.Size;
            if (f.MirrorPath is not null)
            {
                file["mirrorPath"] = f.MirrorPath;
            }

            files.Add(file);
        }

        return new JsonObject
        {
            ["id"] = m.Id,
            ["family"] = m.Family,
            ["description"] = m.Description,
            ["license"] = m.License,
            ["tiers"] = new JsonArray(m.Tiers.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
            ["heavy"] = m.Heavy,
            ["testOnly"] = m.TestOnly,
            ["footprint"] = new JsonObject
            {
                ["parameters"] = m.Footprint.Parameters,
                ["bytesPerParameter"] = m.Footprint.BytesPerParameter,
                ["overheadPercent"] = m.Footprint.OverheadPercent,
                ["workingBytes"] = m.Footprint.WorkingBytes,
            },
            ["files"] = files,
        };
    }

    /// <summary>
    /// The estimate for a model given only its files: the weights are the files' bytes (or parameters x bytes per
    /// parameter when the user knows them), 25% runtime overhead, and working memory for an inference at the default
    /// batch, taken as half the weights (at least 64 MB): a rough guess that the first load's measurement replaces.
    /// </summary>
    public static ModelFootprint Estimate(long fileBytes, long? parameters, double? bytesPerParameter)
    {
        var p = parameters ?? fileBytes;
        var b = parameters is null ? 1 : bytesPerParameter ?? 4;
        var weights = (long)(p * b);
        return new ModelFootprint(p, b, 25, Math.Max(64L << 20, weights / 2));
    }

    /// <summary>The memory tiers an estimate fits: cpu always, 4gb and 8gb by the scheduler's budgets.</summary>
    public static IReadOnlyList<string> TiersFor(long estimatedBytes)
    {
        var tiers = new List<string> { "cpu" };
        foreach (var tier in new[] { "4gb", "8gb" })
        {
            if (estimatedBytes <= Scheduling.MemoryBudget.Parse(tier).Bytes)
            {
                tiers.Add(tier);
            }
        }

        return tiers;
    }

}
