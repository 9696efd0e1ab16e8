using System.CommandLine;
using System.Text.RegularExpressions;
using MediaTagger.Core;
using MediaTagger.Core.Models;
using MediaTagger.Stages;

namespace MediaTagger.Cli;

/// <summary>
/// `models add ID --family F --file ROLE=PATH...` and `models remove ID`: models whose publisher gives no checksum,
/// from files the user has. The files are hashed when added, the entry goes to models/user-catalog.json (merged by
/// <see cref="ModelCatalog.Load(string)"/>), and the files are installed as `models import` installs them, so every
/// verb sees the model by id, checksum-verified from then on.
/// </summary>
internal static partial class ModelsCommand
{
    private static Command Add()
    {
        var id = new Argument<string>("id") { Description = "The id stages name in \"with\": { \"model\": ID } (letters, digits, '.', '_', '-')" };
        var family = new Option<string>("--family") { Description = "The stage family that runs it: caption, booru, clip, imagenet, faces, ocr, vad, whisper or llm", Required = true };
        var files = new Option<string[]>("--file") { Description = "ROLE=PATH, once per file the family reads (caption: vision, decoder, vocab)", Required = true, AllowMultipleArgumentsPerToken = false };
        var heavy = new Option<bool>("--heavy") { Description = "The scheduler keeps at most one heavy model loaded (default: light)" };
        var tiers = new Option<string>("--tier") { Description = "Memory tiers it suits, comma-separated: cpu,4gb,8gb (default: those its estimate fits)" };
        var license = new Option<string>("--license") { Description = "Its licence, as the publisher states it", DefaultValueFactory = _ => "unknown" };
        var description = new Option<string>("--description") { Description = "What it is (default: names the files it was added from)" };
        var sources = new Option<string[]>("--source-url") { Description = "ROLE=URL: where a file is published (https), so `models pull` can fetch it again; it is still checked against the sha256 computed now", DefaultValueFactory = _ => [], AllowMultipleArgumentsPerToken = false };
        var parameters = new Option<long?>("--params") { Description = "Parameter count, for the memory estimate (default: the files' size)" };
        var bytesPerParameter = new Option<double?>("--bytes-per-param") { Description = "Bytes per parameter with --params: 4 fp32, 2 fp16, 1 int8 (default 4)" };
        var link = new Option<bool>("--link") { Description = "Symlink the files instead of copying them (they must stay where they are)" };
        var force = new Option<bool>("--force") { Description = "Replace a model added earlier under this id" };
        var add = new Command("add", "Add a model from files you have (an export without a published checksum): hashes them, checks the family's roles, records it in models/user-catalog.json and installs the files");
        add.Arguments.Add(id);
        foreach (var option in new Option[] { family, files, heavy, tiers, license, description, sources, parameters, bytesPerParameter, link, force })
        {
            add.Options.Add(option);
        }

        add.SetAction(parse =>
        {
            var request = new AddRequest(parse.GetValue(id)!, parse.GetValue(family)!, parse.GetValue(files) ?? [], parse.GetValue(sources) ?? [],
                parse.GetValue(heavy), parse.GetValue(tiers), parse.GetValue(license)!, parse.GetValue(description), parse.GetValue(parameters),
                parse.GetValue(bytesPerParameter), parse.GetValue(link), parse.GetValue(force));
            var problem = AddModel(request);
            if (problem is not null)
            {
                Console.Error.WriteLine($"models add {request.Id}: {problem}");
                return 1;
            }

            return 0;
        });
        return add;
    }

    private sealed record AddRequest(string Id, string Family, string[] Files, string[] Sources, bool Heavy, string? Tiers, string License,
        string? Description, long? Parameters, double? BytesPerParameter, bool Link, bool Force);

    /// <summary>Adds the model, printing what was done; returns null, or what is wrong (nothing is written then).</summary>
    private static string? AddModel(AddRequest request)
    {
        if (!ModelId().IsMatch(request.Id))
        {
            return "an id is letters, digits, '.', '_' and '-' (it names the folder models/ID), starting with a letter or digit";
        }

        var families = StageServiceCollectionExtensions.StageFamilies();
        var stage = families.FirstOrDefault(f => string.Equals(f.Name, request.Family, StringComparison.Ordinal));
        var modelFamilies = string.Join(", ", families.Where(f => f.ModelRoles is not null).Select(f => f.Name).Order(StringComparer.Ordinal));
        if (stage is null)
        {
            return $"unknown family '{request.Family}' (families that run a model: {modelFamilies})";
        }

        if (stage.ModelRoles is not { } roles)
        {
            return $"the {request.Family} stage runs no model (families that do: {modelFamilies})";
        }

        var byRole = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in request.Files)
        {
            if (Split(item) is not { } pair)
            {
                return $"--file {item}: expected ROLE=PATH. Expected roles for {request.Family}: {roles.Describe()}";
            }

            var (role, path) = pair;

            if (!byRole.TryAdd(role, path))
            {
                return $"--file {role}= is given twice";
            }
        }

        if (roles.Problem(request.Family, byRole.Keys) is { } wrong)
        {
            return wrong;
        }

        foreach (var (role, path) in byRole)
        {
            if (!File.Exists(path))
            {
                return $"--file {role}={path}: no such file";
            }

            if (new FileInfo(path).Length == 0)
            {
                return $"--file {role}={path}: the file is empty";
            }
        }

        if (byRole.Values.GroupBy(Path.GetFileName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } same)
        {
            return $"two files are named {same.Key}: each is installed as models/{request.Id}/NAME, so their names must differ";
        }

        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in request.Sources)
        {
            if (Split(item) is not { } pair || !byRole.ContainsKey(pair.Role))
            {
                return $"--source-url {item}: expected ROLE=URL for one of the roles given ({string.Join(", ", byRole.Keys)})";
            }

            var (role, url) = pair;

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !ModelFile.IsAllowedSource(uri))
            {
                return $"--source-url {item}: the url must be https";
            }

            urls[role] = url;
        }

        IReadOnlyList<string>? tiers = null;
        if (request.Tiers is { Length: > 0 } t)
        {
            tiers = t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (tiers.FirstOrDefault(x => x is not ("cpu" or "4gb" or "8gb")) is { } bad)
            {
                return $"--tier {bad}: the tiers are cpu, 4gb and 8gb";
            }
        }

        if (request.BytesPerParameter is not null && request.Parameters is null)
        {
            return "--bytes-per-param needs --params";
        }

        if (request.Parameters is <= 0 || request.BytesPerParameter is <= 0)
        {
            return "--params and --bytes-per-param must be positive";
        }

        // The product catalog alone: an id it lists is the publisher's, with its checksums, and is never replaced.
        var product = ModelCatalog.Load(ProductPaths.CatalogPath, userCatalogPath: null);
        if (product.Models.Any(m => string.Equals(m.Id, request.Id, StringComparison.Ordinal)))
        {
            return $"'{request.Id}' is a product catalog model (its files have published checksums: mediatagger models pull {request.Id}); " +
                $"add yours under another id, e.g. {request.Id}-local, and name it in the stage's \"with\": {{ \"model\": \"{request.Id}-local\" }}";
        }

        var userPath = ProductPaths.UserCatalogPath;
        var user = UserModelCatalog.Read(userPath);
        var earlier = user.FirstOrDefault(m => string.Equals(m.Id, request.Id, StringComparison.Ordinal));
        if (earlier is not null && !request.Force)
        {
            return $"'{request.Id}' was added before ({userPath}); --force replaces it, or `mediatagger models remove {request.Id}` removes it";
        }

        var modelFiles = new List<ModelFile>();
        foreach (var (role, path) in byRole)
        {
            Console.WriteLine($"hashing {role,-10} {path}");
            string sha;
            using (var stream = File.OpenRead(path))
            {
                sha = ModelChecksum.Compute(stream, ModelChecksumKind.Sha256);
            }

            modelFiles.Add(new ModelFile(role, Path.GetFileName(path), urls.GetValueOrDefault(role) ?? "", sha, new FileInfo(path).Length, null));
        }

        var footprint = UserModelCatalog.Estimate(modelFiles.Sum(f => f.Size), request.Parameters, request.BytesPerParameter);
        var entry = new ModelEntry(request.Id, request.Family,
            request.Description ?? $"added with `models add` from {string.Join(", ", modelFiles.Select(f => f.Name))}; no published checksum (sha256 computed when added)",
            request.License, tiers ?? UserModelCatalog.TiersFor(footprint.EstimatedBytes), request.Heavy, TestOnly: false, footprint, modelFiles, ModelEntry.UserSource);

        var store = new ModelStore(ProductPaths.ModelDirectory, ProductPaths.ModelMirror);
        var importer = new ModelImporter(store);
        foreach (var file in entry.Files)
        {
            var from = byRole[file.Role];
            var result = importer.ImportFrom(from, entry, file, request.Link);
            if (result.Outcome is not (ImportOutcome.Imported or ImportOutcome.AlreadyInstalled))
            {
                return $"{from} could not be installed ({string.Join("; ", result.Rejected.Select(r => r.Reason))}): did it change while it was hashed?";
            }

            Console.WriteLine($"  {file.Role,-10} {file.Name}  sha256 {file.Checksum}  {(result.Outcome == ImportOutcome.AlreadyInstalled ? "already installed" : request.Link ? "linked to " + from : "copied to " + result.To)}");
        }

        // Files of the replaced entry that the new one does not have would only take space.
        foreach (var old in earlier?.Files.Where(o => !entry.Files.Any(f => f.Name == o.Name)) ?? [])
        {
            DeleteInstalled(store, earlier!, old);
        }

        UserModelCatalog.Write(userPath, user.Where(m => m.Id != entry.Id).Append(entry));
        Console.WriteLine($"{entry.Id}: {(earlier is null ? "added" : "replaced")} in {userPath} (family {entry.Family}, {entry.Files.Count} file(s), {Mb(entry.TotalSize)}, " +
            $"est. {Mb(entry.Footprint.EstimatedBytes)}, tiers {string.Join(",", entry.Tiers)}, {(entry.Heavy ? "heavy" : "light")})");
        Console.WriteLine($"use it in pipelines.json: {{ \"stage\": \"{entry.Family}\", \"with\": {{ \"model\": \"{entry.Id}\" }} }}; check it with: mediatagger models verify {entry.Id}");
        return null;
    }

    private static Command Remove()
    {
        var id = new Argument<string>("id") { Description = "A model added with `models add`" };
        var remove = new Command("remove", "Remove a model added with `models add`: its user-catalog entry and its installed files (a linked file's target stays)");
        remove.Arguments.Add(id);
        remove.SetAction(parse =>
        {
            var name = parse.GetValue(id)!;
            var userPath = ProductPaths.UserCatalogPath;
            var user = UserModelCatalog.Read(userPath);
            var entry = user.FirstOrDefault(m => string.Equals(m.Id, name, StringComparison.Ordinal));
            var product = ModelCatalog.Load(ProductPaths.CatalogPath, userCatalogPath: null);
            var shadowed = product.Models.Any(m => string.Equals(m.Id, name, StringComparison.Ordinal));
            if (entry is null)
            {
                Console.Error.WriteLine(shadowed
                    ? $"'{name}' is a product catalog model, not one added with `models add`: delete {Path.Combine(ProductPaths.ModelDirectory, name)} to remove its files"
                    : $"no model '{name}' was added with `models add` (see `mediatagger models list`)");
                return 1;
            }

            var store = new ModelStore(ProductPaths.ModelDirectory, ProductPaths.ModelMirror);
            foreach (var file in entry.Files)
            {
                DeleteInstalled(store, entry, file);
            }

            UserModelCatalog.Write(userPath, user.Where(m => m.Id != name));
            Console.WriteLine($"{name}: removed from {userPath} and {Path.Combine(store.ModelDirectory, name)}" +
                (shadowed ? $"; the product catalog's {name} is used again (mediatagger models pull {name})" : ""));
            return 0;
        });
        return remove;
    }

    /// <summary>Deletes a file's installed copy (a symlink, not its target) and its checksum caches; then the model's folder if empty.</summary>
    private static void DeleteInstalled(ModelStore store, ModelEntry model, ModelFile file)
    {
        var path = store.InstalledPath(model, file);
        foreach (var p in new[] { path, path + ".sha256", path + ".sha1", path + ".part" })
        {
            File.Delete(p);
        }

        var folder = Path.GetDirectoryName(path)!;
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            Directory.Delete(folder);
        }
    }

    /// <summary>"ROLE=VALUE" split at the first '=', or null.</summary>
    private static (string Role, string Value)? Split(string item)
    {
        var i = item.IndexOf('=', StringComparison.Ordinal);
        return i > 0 && i < item.Length - 1 ? (item[..i].Trim(), item[(i + 1)..].Trim()) : null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex ModelId();
}
