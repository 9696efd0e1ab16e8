using System.CommandLine;
using System.Text.Json;
using MediaTagger.Core.Models;

namespace MediaTagger.Cli;

/// <summary>`models verify [ID...]` (a real re-hash) and `models import DIR [ID...]` (offline machines and mirrors).</summary>
internal static partial class ModelsCommand
{
    private static Command Verify()
    {
        var ids = new Argument<string[]>("id") { Description = "Catalog ids (default: every model with a file installed or in the mirror)", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var verify = new Command("verify", "Re-hash installed model files (ignoring the checksum cache): ok, missing or corrupt; exit 1 when any is corrupt");
        verify.Arguments.Add(ids);
        verify.Options.Add(json);
        verify.SetAction((parse, ct) =>
        {
            var (catalog, store) = Open();
            var named = parse.GetValue(ids) ?? [];
            var models = named.Length > 0 ? Lookup(catalog, named) : catalog.Models;
            if (models is null)
            {
                return Task.FromResult(1);
            }

            var results = models.Select(m => (Model: m, Files: store.Verify(m, ct))).ToArray();
            // Without ids, a model none of whose files is anywhere is not installed, not a finding: counted, not listed.
            var shown = named.Length > 0 ? results : results.Where(r => r.Files.Any(f => f.State != ModelFileState.Missing)).ToArray();
            var corrupt = results.Sum(r => r.Files.Count(f => f.State == ModelFileState.Corrupt));
            var incomplete = named.Length > 0 && results.Any(r => r.Files.Any(f => f.State == ModelFileState.Missing));
            if (parse.GetValue(json))
            {
                var doc = new
                {
                    Ok = corrupt == 0 && !incomplete,
                    Corrupt = corrupt,
                    NotInstalled = results.Length - shown.Length,
                    Models = shown.Select(r => new
                    {
                        r.Model.Id,
                        State = StateOf(r.Files),
                        Files = r.Files.Select(f => new
                        {
                            f.File.Role,
                            f.File.Name,
                            State = f.State.ToString().ToLowerInvariant(),
                            f.Location,
                            f.Path,
                            Algorithm = ModelChecksum.Name(f.File.ChecksumKind),
                            Expected = f.File.Checksum,
                            f.Actual,
                            f.Note,
                        }),
                    }),
                };
                Console.WriteLine(JsonSerializer.Serialize(doc, CliJson.Options));
            }
            else
            {
                foreach (var (model, files) in shown)
                {
                    Console.WriteLine($"{model.Id}: {StateOf(files)}");
                    foreach (var f in files)
                    {
                        var what = f.State switch
                        {
                            ModelFileState.Ok => $"ok       {f.File.Name} ({f.Location}: {f.Path})",
                            ModelFileState.Corrupt => $"CORRUPT  {f.File.Name} ({f.Location}: {f.Path}) has {ModelChecksum.Name(f.File.ChecksumKind)} {f.Actual}, expected {f.File.Checksum}",
                            _ => $"missing  {f.File.Name}: run mediatagger models pull {model.Id}",
                        };
                        Console.WriteLine("  " + what + (f.Note is null ? "" : $"; {f.Note}"));
                    }
                }

                Console.WriteLine($"{shown.Length} model(s) checked, {corrupt} corrupt file(s)" +
                    (named.Length == 0 ? $"; {results.Length - shown.Length} catalog model(s) not installed" : ""));
            }

            return Task.FromResult(corrupt > 0 || incomplete ? 1 : 0);
        });
        return verify;
    }

    private static string StateOf(IReadOnlyList<FileVerification> files) =>
        files.Any(f => f.State == ModelFileState.Corrupt) ? "corrupt" : files.Any(f => f.State == ModelFileState.Missing) ? (files.All(f => f.State == ModelFileState.Missing) ? "missing" : "incomplete") : "ok";

    private static Command Import()
    {
        var directory = new Argument<string>("dir") { Description = "Folder holding model files: a mirror (its mirror paths), ID/NAME folders, or files anywhere below it" };
        var ids = new Argument<string[]>("id") { Description = "Catalog ids to import (default: every model with a file in DIR)", Arity = ArgumentArity.ZeroOrMore };
        var link = new Option<bool>("--link") { Description = "Symlink the files instead of copying them (DIR must stay)" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var import = new Command("import", "Install model files from a folder (offline machines, mirrors), each checksum-verified; exit 1 when a requested model is incomplete");
        import.Arguments.Add(directory);
        import.Arguments.Add(ids);
        import.Options.Add(link);
        import.Options.Add(json);
        import.SetAction((parse, ct) =>
        {
            var (catalog, store) = Open();
            var dir = parse.GetValue(directory)!;
            if (!Directory.Exists(dir))
            {
                Console.Error.WriteLine($"{Path.GetFullPath(dir)} is not a folder");
                return Task.FromResult(1);
            }

            var named = parse.GetValue(ids) ?? [];
            var models = named.Length > 0 ? Lookup(catalog, named) : catalog.Models;
            if (models is null)
            {
                return Task.FromResult(1);
            }

            var results = new ModelImporter(store).Import(dir, models, parse.GetValue(link), ct);
            // Without ids, the requested models are those the folder holds something of.
            var requested = named.Length > 0 ? results : results.Where(r => r.Seen).ToArray();
            var failed = requested.Count(r => !r.Complete);
            if (parse.GetValue(json))
            {
                var doc = new
                {
                    Directory = Path.GetFullPath(dir),
                    Ok = failed == 0,
                    Models = requested.Select(r => new
                    {
                        r.Model.Id,
                        r.Complete,
                        Files = r.Files.Select(f => new
                        {
                            f.File.Role,
                            f.File.Name,
                            Outcome = Outcome(f.Outcome),
                            f.From,
                            f.To,
                            Rejected = f.Rejected.Select(x => new { x.Path, x.Reason }),
                        }),
                    }),
                };
                Console.WriteLine(JsonSerializer.Serialize(doc, CliJson.Options));
            }
            else
            {
                foreach (var r in requested)
                {
                    Console.WriteLine($"{r.Model.Id}: {(r.Complete ? "installed" : "incomplete")}");
                    foreach (var f in r.Files)
                    {
                        Console.WriteLine(f.Outcome switch
                        {
                            ImportOutcome.Imported => $"  imported           {f.File.Name} from {f.From}",
                            ImportOutcome.AlreadyInstalled => $"  already installed  {f.File.Name}",
                            ImportOutcome.WrongChecksum => $"  WRONG CHECKSUM     {f.File.Name}: not imported",
                            _ => $"  not found          {f.File.Name} (looked for {f.File.MirrorPath ?? f.File.Name}, {r.Model.Id}/{f.File.Name} and {f.File.Name} anywhere below)",
                        });
                        foreach (var x in f.Rejected)
                        {
                            Console.WriteLine($"      rejected {x.Path}: {x.Reason}");
                        }
                    }
                }

                if (requested.Count == 0)
                {
                    Console.WriteLine($"no catalog model file found in {Path.GetFullPath(dir)}");
                }
            }

            return Task.FromResult(failed > 0 || (named.Length == 0 && requested.Count == 0) ? 1 : 0);
        });
        return import;
    }

    private static string Outcome(ImportOutcome outcome) => outcome switch
    {
        ImportOutcome.Imported => "imported",
        ImportOutcome.AlreadyInstalled => "already-installed",
        ImportOutcome.WrongChecksum => "wrong-checksum",
        _ => "not-found",
    };
}
