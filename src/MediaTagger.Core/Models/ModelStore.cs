using System.Globalization;

namespace MediaTagger.Core.Models;

/// <summary>Where a model file was found, or why it was not.</summary>
/// <param name="CorruptPath">When not found: the first copy that exists but fails its checksum (a damaged install or mirror).</param>
public sealed record ResolvedFile(ModelFile File, string? Path, string Source, string? Problem, string? CorruptPath = null)
{
    public bool Found => Path is not null;
}

/// <summary>What a real re-hash of one catalog file found.</summary>
public enum ModelFileState
{
    Ok = 0,
    Missing = 1,
    Corrupt = 2,
}

/// <summary>
/// One file's verification: <see cref="Location"/> is model-folder, mirror or missing; a corrupt file's
/// <see cref="Actual"/> is what it hashes to. <see cref="Note"/> says more (a good mirror copy beside a damaged install).
/// </summary>
public sealed record FileVerification(ModelFile File, ModelFileState State, string Location, string? Path, string? Actual, string? Note = null);

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

    /// <summary>True when the model folder holds the file with its catalog checksum (the mirror is not looked at).</summary>
    public bool IsInstalled(ModelEntry model, ModelFile file)
    {
        var path = InstalledPath(model, file);
        return File.Exists(path) && string.Equals(ChecksumOf(path, file.ChecksumKind), file.Checksum, StringComparison.OrdinalIgnoreCase);
    }

    public ResolvedFile Resolve(ModelEntry model, ModelFile file)
    {
        var problems = new List<string>();
        string? corrupt = null;
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
            corrupt ??= candidate;
        }

        var problem = problems.Count > 0
            ? string.Join("; ", problems)
            : $"{file.Name} is not installed; run: mediatagger models pull {model.Id}";
        return new ResolvedFile(file, null, "missing", problem, corrupt);
    }

    /// <summary>
    /// Re-hashes every file of <paramref name="model"/> where it is installed (model folder, else mirror), ignoring the
    /// checksum cache (which is then rewritten with what was found). A model-folder copy that fails is reported corrupt
    /// even when the mirror holds a good one: the damaged file is on this machine and should be removed or pulled again.
    /// </summary>
    public IReadOnlyList<FileVerification> Verify(ModelEntry model, CancellationToken cancellationToken = default)
    {
        var results = new List<FileVerification>();
        foreach (var file in model.Files)
        {
            FileVerification? bad = null;
            FileVerification? good = null;
            foreach (var (candidate, source) in Candidates(model, file).DistinctBy(c => c.Path))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!File.Exists(candidate))
                {
                    continue;
                }

                string actual;
                using (var stream = File.OpenRead(candidate))
                {
                    actual = ModelChecksum.Compute(stream, file.ChecksumKind);
                }

                RememberChecksum(candidate, file.ChecksumKind, actual);
                if (string.Equals(actual, file.Checksum, StringComparison.OrdinalIgnoreCase))
                {
                    good = new FileVerification(file, ModelFileState.Ok, source, candidate, actual);
                    break;
                }

                bad ??= new FileVerification(file, ModelFileState.Corrupt, source, candidate, actual);
            }

            results.Add((bad, good) switch
            {
                ({ Location: "model-folder" } b, { } g) => b with { Note = $"the mirror copy {g.Path} is good: delete the damaged file or run: mediatagger models pull {model.Id}" },
                (_, { } g) => g,
                ({ } b, null) => b with { Note = $"delete it, then run: mediatagger models pull {model.Id}" },
                _ => new FileVerification(file, ModelFileState.Missing, "missing", null, null),
            });
        }

        return results;
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

        RememberChecksum(path, kind, sha);
        return sha;
    }

    /// <summary>
    /// Records a checksum just computed for <paramref name="path"/> (by a download, an import or a verify) in its cache
    /// file, so the next load does not hash a multi-GB file again. Keyed by size and mtime: a later change is noticed.
    /// </summary>
    public static void RememberChecksum(string path, ModelChecksumKind kind, string checksum)
    {
        var info = new FileInfo(path);
        var key = string.Create(CultureInfo.InvariantCulture, $"{info.Length} {info.LastWriteTimeUtc.Ticks}");
        try
        {
            File.WriteAllText(path + "." + ModelChecksum.Name(kind), $"{key} {checksum}");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // A read-only mirror: hash again next time.
        }
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
