namespace MediaTagger.Core.Models;

/// <summary>What became of one catalog file in an import.</summary>
public enum ImportOutcome
{
    Imported = 0,

    /// <summary>The model folder already holds a verified copy; nothing was read from the folder.</summary>
    AlreadyInstalled = 1,

    NotFound = 2,

    /// <summary>Files by that name were found, but none has the catalog's size and checksum: nothing was installed.</summary>
    WrongChecksum = 3,
}

/// <summary>A file found in the import folder that was not installed, and why ("size 12, expected 34", "sha256 X, expected Y").</summary>
public sealed record RejectedFile(string Path, string Reason);

/// <summary>One catalog file's import: where it came from and went, or what was rejected.</summary>
public sealed record FileImport(ModelFile File, ImportOutcome Outcome, string? From, string? To, IReadOnlyList<RejectedFile> Rejected);

/// <summary>One model's import; <see cref="Complete"/> when every file is now installed.</summary>
public sealed record ModelImport(ModelEntry Model, IReadOnlyList<FileImport> Files)
{
    public bool Complete => Files.All(f => f.Outcome is ImportOutcome.Imported or ImportOutcome.AlreadyInstalled);

    /// <summary>Whether the folder held anything for this model (a model with no file there was not really asked for).</summary>
    public bool Seen => Files.Any(f => f.Outcome != ImportOutcome.NotFound);
}

/// <summary>
/// Installs catalog files from a folder (a copied mirror, a USB stick, a download made on another machine) into the
/// model folder. Each file is looked for at its mirror path, at ID/NAME, at NAME, then by its name anywhere below the
/// folder; the first candidate with the catalog's size and checksum is copied (or symlinked) in, through a ".part" name
/// so a cut copy is never taken for the file. Candidates are hashed for real: the folder's own cache files are not trusted.
/// </summary>
public sealed class ModelImporter
{
    private static readonly EnumerationOptions Walk = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.None,
        ReturnSpecialDirectories = false,
    };

    private readonly ModelStore store;

    public ModelImporter(ModelStore store) => this.store = store;

    /// <param name="link">Symlink the found file instead of copying it (saves the space; the folder must stay where it is).</param>
    public IReadOnlyList<ModelImport> Import(string directory, IEnumerable<ModelEntry> models, bool link, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root} is not a folder");
        }

        // One walk of the folder, then lookups by file name (case-insensitive: folders copied from other systems).
        var byName = Directory.EnumerateFiles(root, "*", Walk)
            .Where(p => !p.EndsWith(".part", StringComparison.Ordinal) && !p.EndsWith(".sha256", StringComparison.Ordinal) && !p.EndsWith(".sha1", StringComparison.Ordinal))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key!, g => g.Order(StringComparer.Ordinal).ToArray(), StringComparer.OrdinalIgnoreCase);
        var hashes = new Dictionary<(string, ModelChecksumKind), string>();

        var result = new List<ModelImport>();
        foreach (var model in models)
        {
            var files = new List<FileImport>();
            foreach (var file in model.Files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                files.Add(ImportFile(root, byName, hashes, model, file, link));
            }

            result.Add(new ModelImport(model, files));
        }

        return result;
    }

    private FileImport ImportFile(string root, Dictionary<string, string[]> byName, Dictionary<(string, ModelChecksumKind), string> hashes,
        ModelEntry model, ModelFile file, bool link)
    {
        var target = store.InstalledPath(model, file);
        if (store.IsInstalled(model, file))
        {
            return new FileImport(file, ImportOutcome.AlreadyInstalled, null, target, []);
        }

        var candidates = new List<string>();
        if (file.MirrorPath is { Length: > 0 } mirrorPath)
        {
            candidates.Add(Path.Combine(root, mirrorPath));
        }

        candidates.Add(Path.Combine(root, model.Id, file.Name));
        candidates.Add(Path.Combine(root, file.Name));
        candidates.AddRange(byName.GetValueOrDefault(file.Name) ?? []);

        var rejected = new List<RejectedFile>();
        foreach (var candidate in candidates.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            if (!File.Exists(candidate) || string.Equals(candidate, Path.GetFullPath(target), StringComparison.Ordinal))
            {
                continue;
            }

            if (TryInstall(candidate, target, file, link, hashes) is { } why)
            {
                rejected.Add(why);
                continue;
            }

            return new FileImport(file, ImportOutcome.Imported, candidate, target, rejected);
        }

        return new FileImport(file, rejected.Count > 0 ? ImportOutcome.WrongChecksum : ImportOutcome.NotFound, null, null, rejected);
    }

    /// <summary>
    /// Installs <paramref name="file"/> of <paramref name="model"/> from the file at <paramref name="path"/> (`models
    /// add`, which names each file): size-checked, hashed and copied (or linked) in exactly as an import's candidates.
    /// </summary>
    public FileImport ImportFrom(string path, ModelEntry model, ModelFile file, bool link)
    {
        var source = Path.GetFullPath(path);
        var target = store.InstalledPath(model, file);
        if (string.Equals(source, Path.GetFullPath(target), StringComparison.Ordinal) || !File.Exists(source))
        {
            // Already in place (added from the model folder itself), or gone: then the store decides.
            return store.IsInstalled(model, file)
                ? new FileImport(file, ImportOutcome.AlreadyInstalled, null, target, [])
                : new FileImport(file, ImportOutcome.NotFound, null, null, []);
        }

        // The entry's checksum was just computed from this very file (models add): it is not read a second time.
        return TryInstall(source, target, file, link, new() { [(source, file.ChecksumKind)] = file.Checksum }) is { } why
            ? new FileImport(file, ImportOutcome.WrongChecksum, null, null, [why])
            : new FileImport(file, ImportOutcome.Imported, source, target, []);
    }

    /// <summary>Installs <paramref name="candidate"/> at <paramref name="target"/> when it has the catalog's size and checksum; else why not.</summary>
    private static RejectedFile? TryInstall(string candidate, string target, ModelFile file, bool link, Dictionary<(string, ModelChecksumKind), string> hashes)
    {
        var size = new FileInfo(candidate).Length;
        if (file.Size > 0 && size != file.Size)
        {
            return new RejectedFile(candidate, $"size {size} bytes, expected {file.Size}");
        }

        if (!hashes.TryGetValue((candidate, file.ChecksumKind), out var actual))
        {
            using var stream = File.OpenRead(candidate);
            actual = ModelChecksum.Compute(stream, file.ChecksumKind);
            hashes[(candidate, file.ChecksumKind)] = actual;
        }

        if (!string.Equals(actual, file.Checksum, StringComparison.OrdinalIgnoreCase))
        {
            return new RejectedFile(candidate, $"{ModelChecksum.Name(file.ChecksumKind)} {actual}, expected {file.Checksum}");
        }

        Install(candidate, target, link);
        ModelStore.RememberChecksum(target, file.ChecksumKind, actual);
        return null;
    }

    private static void Install(string source, string target, bool link)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (link)
        {
            File.Delete(target);
            File.CreateSymbolicLink(target, source);
            return;
        }

        var part = target + ".part";
        File.Copy(source, part, overwrite: true);
        File.Move(part, target, overwrite: true);
    }
}
