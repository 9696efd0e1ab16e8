using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaTagger.Core.Models;

/// <summary>
/// One downloadable file of a model, with where it comes from and its checksum: sha256, or sha1 where the publisher
/// gives only that (whisper.cpp's ggml models). A file is verified by its sha256 when it has one.
/// </summary>
public sealed record ModelFile(
    string Role,
    string Name,
    string Url,
    string? Sha256,
    long Size,
    string? MirrorPath,
    string? Sha1 = null)
{
    /// <summary>The algorithm the file is verified with: sha256 when the catalog gives one, else sha1.</summary>
    public ModelChecksumKind ChecksumKind => Sha256 is not null ? ModelChecksumKind.Sha256 : ModelChecksumKind.Sha1;

    /// <summary>The published checksum the file is verified against (lower-case hex).</summary>
    public string Checksum => (Sha256 ?? Sha1 ?? throw new InvalidDataException($"{Name} has neither sha256 nor sha1")).ToLowerInvariant();

    /// <summary>
    /// No public download source is known (the catalog gives no url): the file is installed with `models import`
    /// from a mirror or a folder, matched by name and checksum.
    /// </summary>
    public bool ImportOnly => string.IsNullOrWhiteSpace(Url);

    /// <summary>
    /// Where a file may be downloaded from: https, or plain http to a loopback address (a test server on this machine);
    /// weights fetched over plain http from elsewhere could be swapped in transit before the checksum is even known to matter.
    /// </summary>
    public static bool IsAllowedSource(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback);
}

/// <summary>
/// Inputs to the memory estimate: weights x bytes per parameter plus overhead, plus the working memory of an
/// inference at the default batch (activations, runtime arenas, KV cache), which for small CNNs on large inputs
/// dwarfs the weights. The scheduler replaces the estimate with the measured footprint after the first load.
/// </summary>
public sealed record ModelFootprint(long Parameters, double BytesPerParameter, int OverheadPercent, long WorkingBytes = 0)
{
    public long EstimatedBytes => (long)(Parameters * BytesPerParameter * (1 + (OverheadPercent / 100.0))) + WorkingBytes;
}

/// <summary>A catalog entry: what a model is, which tiers it suits, and its files.</summary>
public sealed record ModelEntry(
    string Id,
    string Family,
    string Description,
    string License,
    IReadOnlyList<string> Tiers,
    bool Heavy,
    bool TestOnly,
    ModelFootprint Footprint,
    IReadOnlyList<ModelFile> Files)
{
    public ModelFile File(string role) =>
        Files.FirstOrDefault(f => string.Equals(f.Role, role, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"model {Id} has no '{role}' file");

    public long TotalSize => Files.Sum(f => f.Size);
}

/// <summary>models/catalog.json: every model the product knows, with public sources and checksums.</summary>
public sealed class ModelCatalog
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip };

    public ModelCatalog(IReadOnlyList<ModelEntry> models)
    {
        var duplicate = models.GroupBy(m => m.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"model catalog lists '{duplicate.Key}' twice");
        }

        Models = models;
    }

    public IReadOnlyList<ModelEntry> Models { get; }

    public ModelEntry this[string id] =>
        Models.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"no model '{id}' in the catalog (known: {string.Join(", ", Models.Select(m => m.Id))})");

    public static ModelCatalog Load(string path)
    {
        var doc = JsonSerializer.Deserialize<CatalogDocument>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
        var problems = new List<string>();
        for (var i = 0; i < doc.Models.Count; i++)
        {
            var m = doc.Models[i];
            if (string.IsNullOrWhiteSpace(m.Id))
            {
                problems.Add($"$.models[{i}].id is missing");
            }

            for (var j = 0; j < m.Files.Count; j++)
            {
                var f = m.Files[j];
                if (f.Sha256 is null && f.Sha1 is null)
                {
                    problems.Add($"$.models[{i}].files[{j}] needs a sha256 (64 hex digits) or, where none is published, a sha1 (40 hex digits)");
                }

                if (f.Sha256 is not null && !ModelChecksum.IsWellFormed(f.Sha256, ModelChecksumKind.Sha256))
                {
                    problems.Add($"$.models[{i}].files[{j}].sha256 must be 64 hex digits");
                }

                if (f.Sha1 is not null && !ModelChecksum.IsWellFormed(f.Sha1, ModelChecksumKind.Sha1))
                {
                    problems.Add($"$.models[{i}].files[{j}].sha1 must be 40 hex digits");
                }

                // No url at all is allowed: an import-only file (no public source), installed with `models import`.
                if (f.ImportOnly)
                {
                    continue;
                }

                if (!Uri.TryCreate(f.Url, UriKind.Absolute, out var url))
                {
                    problems.Add($"$.models[{i}].files[{j}].url is not an absolute URL");
                }
                else if (!ModelFile.IsAllowedSource(url))
                {
                    problems.Add($"$.models[{i}].files[{j}].url must be https (plain http only to this machine's loopback address, for tests)");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{path} is invalid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }

        // A file without a url (import-only) reads as null despite the record's type: make it the empty string.
        return new ModelCatalog(doc.Models.Select(m => m with { Files = m.Files.Select(f => f.Url is null ? f with { Url = "" } : f).ToArray() }).ToArray());
    }

    private sealed record CatalogDocument([property: JsonPropertyName("models")] List<ModelEntry> Models);
}
