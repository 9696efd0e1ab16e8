using System.CommandLine;
using MediaTagger.Core;

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
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
