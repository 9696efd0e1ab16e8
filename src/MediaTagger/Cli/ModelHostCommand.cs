using System.CommandLine;
using MediaTagger.Core.ModelHosts;
using MediaTagger.Core.Processing;
using MediaTagger.Hosting;
using MediaTagger.Native.Streams;
using MediaTagger.Stages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Cli;

/// <summary>
/// `model-host --stage NAME`: the child process a worker starts to hold one model. It speaks the framed protocol
/// (../../docs/model-hosts.md) on stdin and its original stdout; everything else it prints goes to stderr, which the
/// worker relays to its log. Not meant to be run by hand.
/// </summary>
internal static class ModelHostCommand
{
    public static Command Create(Option<string> config, Option<string[]> set)
    {
        var stage = new Option<string>("--stage") { Description = "The stage (from pipelines.json) whose model this host holds", Required = true };
        var heartbeat = new Option<int>("--heartbeat-ms") { Description = "Interval between heartbeats", DefaultValueFactory = _ => 1000 };
        var command = new Command("model-host", "(internal) Hold one stage's model in this process and serve batches to a worker") { Hidden = true };
        command.Options.Add(stage);
        command.Options.Add(heartbeat);
        command.SetAction(async (parse, ct) =>
        {
            // First of all: no library may write into the protocol stream.
            var protocol = StandardStreams.DetachStandardOutput();
            using var host = WorkerHost.CreateBuilder(parse.GetValue(config)!, parse.GetValue(set)!).Build();
            if (WorkerHost.ValidatedOptions(host.Services) is null)
            {
                return 1;
            }

            var catalog = host.Services.GetRequiredService<StageCatalog>();
            var definition = host.Services.GetRequiredService<StageSet>().Definition(parse.GetValue(stage)!);
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MediaTagger.ModelHost");
            using var server = new ModelHostServer(() => catalog.Create(definition), logger, TimeSpan.FromMilliseconds(Math.Max(50, parse.GetValue(heartbeat))));
            await using (protocol.ConfigureAwait(false))
            {
                return await server.RunAsync(Console.OpenStandardInput(), protocol, ct).ConfigureAwait(false);
            }
        });
        return command;
    }
}
