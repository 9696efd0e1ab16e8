using System.CommandLine;

namespace MediaTagger.Cli;

/// <summary>The verbs of the mediatagger executable.</summary>
internal static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("MediaTagger: local media understanding worker");
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
