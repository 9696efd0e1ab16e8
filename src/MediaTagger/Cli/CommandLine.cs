using System.CommandLine;

namespace MediaTagger.Cli;

/// <summary>The verbs of the mediatagger executable.</summary>
internal static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("MediaTagger: turns media files into sidecar JSON of what is in them, with local models.");
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
