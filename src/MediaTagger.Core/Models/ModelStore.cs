using System.Globalization;

namespace MediaTagger.Core.Models;

/// <summary>Where a model file was found, or why it was not.</summary>
public sealed record ResolvedFile(ModelFile File, string? Path, string Source, string? Problem)
{
    public bool Found => Path is not null;
}

/// <summary>
/// Finds model files: the model folder first, then the offline mirror (MEDIATAGGER_MODEL_MIRROR), each verified
/// by its catalog checksum (sha256, or sha1 where only that is published) before use. A verified file's checksum is
/// remembered beside it (keyed by size and mtime) so
/// multi-GB weights are hashed once, not on every load.
/// </summary>
public sealed class ModelStore
{
    public ModelStore(string modelDirectory, string? mirrorDirectory)
    {
        ModelDirectory = modelDirectory;
        MirrorDirectory = mirrorDirectory;
    }

    public string ModelDirectory { get; }

    public string? MirrorDirectory { get; }

    /// <summary>The installed location of a file: models/&lt;id&gt;/&lt;name&gt;.</summary>
    public string InstalledPath(ModelEntry model, ModelFile file) => Path.Combine(ModelDirectory, model.Id, file.Name);

    public ResolvedFile Resolve(ModelEntry model, ModelFile file)
    {
        var problems = new List<string>();
        foreach (var (candidate, source) in Candidates(model, file))
        {
            if (!File.Exists(candidate))
            {
                continue;
            }

            var actual = ChecksumOf(candidate, file.ChecksumKind);
            if (string.Equals(actual, file.Checksum, StringComparison.OrdinalIgnoreCase))
            {
                return new ResolvedFile(file, candidate, source, null);
            }

            problems.Add($"{candidate} has {ModelChecksum.Name(file.ChecksumKind)} {actual}, expected {file.Checksum}");
        }

        var problem = problems.Count > 0
            ? string.Join("; ", problems)
            : $"{file.Name} is not installed; run: mediatagger models pull {model.Id}";
        return new ResolvedFile(file, null, "missing", problem);
    }

    /// <summary>Resolves every file of a model, or throws naming what is missing and how to install it.</summary>
    public IReadOnlyDictionary<string, string> Require(ModelEntry model)
    {
        var resolved = model.Files.Select(f => Resolve(model, f)).ToArray();
        var missing = resolved.Where(r => !r.Found).ToArray();
        if (missing.Length > 0)
        {
            throw new ModelNotInstalledException(model.Id, string.Join("; ", missing.Select(m => m.Problem)));
        }

        return resolved.ToDictionary(r => r.File.Role, r => r.Path!, StringComparer.Ordinal);
    }

    private IEnumerable<(string Path, string Source)> Candidates(ModelEntry model, ModelFile file)
    {
        yield return (InstalledPath(model, file), "model-folder");
        if (MirrorDirectory is not null)
        {
            yield return (Path.Combine(MirrorDirectory, file.MirrorPath ?? Path.Combine(model.Id, file.Name)), "mirror");
            yield return (Path.Combine(MirrorDirectory, model.Id, file.Name), "mirror");
        }
    }

    /// <summary>sha256 of a file, cached in "&lt;file&gt;.sha256" when the folder is writable.</summary>
    public static string Sha256Of(string path) => ChecksumOf(path, ModelChecksumKind.Sha256);

    /// <summary>The checksum of a file, cached in "&lt;file&gt;.sha256" or "&lt;file&gt;.sha1" when the folder is writable.</summary>
    public static string ChecksumOf(string path, ModelChecksumKind kind)
    {
        var info = new FileInfo(path);
        var key = string.Create(CultureInfo.InvariantCulture, $"{info.Length} {info.LastWriteTimeUtc.Ticks}");
        var cache = path + "." + ModelChecksum.Name(kind);
        if (File.Exists(cache))
        {
            var parts = File.ReadAllText(cache).Split(' ', 3);
            if (parts.Length == 3 && $"{parts[0]} {parts[1]}" == key)
            {
                return parts[2].Trim();
            }
        }

        string sha;
        using (var stream = File.OpenRead(path))
        {
            sha = ModelChecksum.Compute(stream, kind);
        }

        try
        {
            File.WriteAllText(cache, $"{key} {sha}");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // A read-only mirror: hash again next time.
        }

        return sha;
    }
}

/// <summary>A model a stage needs is not installed (or fails its checksum); the message says how to install it.</summary>
public sealed class ModelNotInstalledException : Exception
{
    public ModelNotInstalledException(string modelId, string details)
        : base($"model '{modelId}' is not available: {details}") => ModelId = modelId;

    public ModelNotInstalledException() => ModelId = "";

    public ModelNotInstalledException(string message, Exception inner) : base(message, inner) => ModelId = "";

    public string ModelId { get; }
}
