using System.CommandLine;
using MediaTagger.Core;
using MediaTagger.Core.Models;

namespace MediaTagger.Cli;

/// <summary>The verbs of the mediatagger executable.</summary>
internal static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var config = new Option<string>("--config")
        {
            Description = "pipelines.json to use",
            Recursive = true,
            DefaultValueFactory = _ => Path.Combine(ProductPaths.Home, "pipelines.json"),
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a pipelines.json setting, key=value with ':' between levels (repeatable): --set worker:maxAttempts=5",
            Recursive = true,
            DefaultValueFactory = _ => [],
        };
        var root = new RootCommand("MediaTagger: turns media files into sidecar JSON of what is in them, with local models.");
        root.Options.Add(config);
        root.Options.Add(set);
        root.Subcommands.Add(RunCommand.Create(config, set));
        root.Subcommands.Add(TagCommand.Create(config, set));
        root.Subcommands.Add(StatusCommand.Create(config, set));
        root.Subcommands.Add(SearchCommand.Create(config, set));
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create(config, set));
        root.Subcommands.Add(ModelHostCommand.Create(config, set));
        root.Subcommands.Add(PsCommand.Create(config, set));
        try
        {
            // Our own handler, so that a broken catalog (a hand-edited models/user-catalog.json) reads as a
            // configuration error naming the file instead of a stack trace.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ModelCatalogException.Find(ex) is { } catalog)
        {
            Console.Error.WriteLine("configuration error: " + catalog.Message);
            return 1;
        }
        catch (Exception ex)
        {
            // As System.CommandLine's default handler does.
            if (ex is not OperationCanceledException)
            {
                Console.Error.WriteLine("Unhandled exception: " + ex);
            }

            return 1;
        }
    }
}
