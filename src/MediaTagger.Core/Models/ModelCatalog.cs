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
/// <param name="Source">
/// "product" (models/catalog.json, checksums from the publisher) or "user" (models/user-catalog.json, written by
/// `models add` from files the user had, hashed when added).
/// </param>
public sealed record ModelEntry(
    string Id,
    string Family,
    string Description,
    string License,
    IReadOnlyList<string> Tiers,
    bool Heavy,
    bool TestOnly,
    ModelFootprint Footprint,
    IReadOnlyList<ModelFile> Files,
    string Source = ModelEntry.ProductSource)
{
    public const string ProductSource = "product";
    public const string UserSource = "user";

    /// <summary>Added by `models add` (the user catalog), not shipped with the product.</summary>
    public bool IsUser => string.Equals(Source, UserSource, StringComparison.Ordinal);

    public ModelFile File(string role) =>
        Files.FirstOrDefault(f => string.Equals(f.Role, role, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"model {Id} has no '{role}' file");

    public long TotalSize => Files.Sum(f => f.Size);
}

/// <summary>
/// models/catalog.json: every model the product knows, with public sources and checksums; merged with the user
/// catalog beside it (models/user-catalog.json, written by `models add`), whose entries are marked "user".
/// </summary>
public sealed class ModelCatalog
{
    /// <summary>The user catalog's file name, beside the product catalog.</summary>
    public const string UserCatalogName = "user-catalog.json";

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

    /// <summary>The user catalog that <see cref="Load(string)"/> merges with the catalog at <paramref name="catalogPath"/>.</summary>
    public static string UserCatalogBeside(string catalogPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(catalogPath))!, UserCatalogName);

    /// <summary>
    /// The catalog at <paramref name="path"/> merged with the user catalog beside it (when there is one): every loader
    /// (worker, model hosts, doctor, the models verb) sees models added with `models add` by id.
    /// </summary>
    /// <exception cref="ModelCatalogException">Either file is not valid JSON or breaks the rules; the message names it.</exception>
    public static ModelCatalog Load(string path) => Load(path, UserCatalogBeside(path));

    /// <summary>
    /// The catalog at <paramref name="path"/> merged with <paramref name="userCatalogPath"/> (skipped when null or
    /// absent). A user entry whose id the product catalog also lists replaces it: the product catalog may gain a model
    /// the user added earlier, and the user's verified files keep working (`models remove ID` goes back to the product's).
    /// </summary>
    public static ModelCatalog Load(string path, string? userCatalogPath)
    {
        var product = Read(path, ModelEntry.ProductSource);
        if (userCatalogPath is null || !File.Exists(userCatalogPath))
        {
            return new ModelCatalog(product);
        }

        var user = Read(userCatalogPath, ModelEntry.UserSource);
        var byId = user.ToDictionary(m => m.Id, StringComparer.Ordinal);
        var merged = product.Select(m => byId.GetValueOrDefault(m.Id) ?? m).ToList();
        var productIds = product.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        merged.AddRange(user.Where(u => !productIds.Contains(u.Id)));
        return new ModelCatalog(merged);
    }

    /// <summary>The entries of one catalog file, checked, each marked with <paramref name="source"/>.</summary>
    /// <exception cref="ModelCatalogException">The file is not valid JSON or breaks the rules; the message names it.</exception>
    public static IReadOnlyList<ModelEntry> Read(string path, string source)
    {
        CatalogDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<CatalogDocument>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new ModelCatalogException(path, $"{path} is not a valid model catalog: {ex.Message}", ex);
        }

        if (doc?.Models is null)
        {
            throw new ModelCatalogException(path, $"{path} is not a valid model catalog: it needs {{ \"models\": [ ... ] }}");
        }

        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < doc.Models.Count; i++)
        {
            var m = doc.Models[i];
            if (m is null)
            {
                problems.Add($"$.models[{i}] is null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(m.Id))
            {
                problems.Add($"$.models[{i}].id is missing");
            }
            else if (!seen.Add(m.Id))
            {
                problems.Add($"$.models[{i}].id '{m.Id}' is listed twice");
            }

            if (string.IsNullOrWhiteSpace(m.Family))
            {
                problems.Add($"$.models[{i}].family is missing");
            }

            if (m.Footprint is null)
            {
                problems.Add($"$.models[{i}].footprint is missing");
            }

            if (m.Files is null || m.Files.Count == 0)
            {
                problems.Add($"$.models[{i}].files is missing or empty");
                continue;
            }

            for (var j = 0; j < m.Files.Count; j++)
            {
                var f = m.Files[j];
                if (f is null || string.IsNullOrWhiteSpace(f.Role) || string.IsNullOrWhiteSpace(f.Name))
                {
                    problems.Add($"$.models[{i}].files[{j}] needs a role and a name");
                    continue;
                }

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
            throw new ModelCatalogException(path, $"{path} is invalid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }

        // A file without a url (import-only) reads as null despite the record's type: make it the empty string.
        // Optional lists read as null when left out: make them empty.
        return doc.Models.Select(m => m with
        {
            Description = m.Description ?? "",
            License = m.License ?? "",
            Tiers = m.Tiers ?? [],
            Files = m.Files.Select(f => f.Url is null ? f with { Url = "" } : f).ToArray(),
            Source = source,
        }).ToArray();
    }

    private sealed record CatalogDocument([property: JsonPropertyName("models")] List<ModelEntry> Models);
}

/// <summary>A catalog file (the product's or the user's) cannot be used: not JSON, or an entry breaks the rules.</summary>
public sealed class ModelCatalogException : Exception
{
    public ModelCatalogException(string path, string message, Exception? inner = null)
        : base(message, inner) => CatalogPath = path;

    public ModelCatalogException() => CatalogPath = "";

    public ModelCatalogException(string message) : base(message) => CatalogPath = "";

    public ModelCatalogException(string message, Exception inner) : base(message, inner) => CatalogPath = "";

    /// <summary>The file at fault.</summary>
    public string CatalogPath { get; }

    /// <summary>The catalog problem behind <paramref name="exception"/> (which may wrap it), or null.</summary>
    public static ModelCatalogException? Find(Exception? exception) => exception switch
    {
        null => null,
        ModelCatalogException e => e,
        AggregateException a => a.InnerExceptions.Select(Find).FirstOrDefault(e => e is not null),
        _ => Find(exception.InnerException),
    };
}
