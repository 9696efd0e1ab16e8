using System.CommandLine;
using MediaTagger.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MediaTagger.Cli;

/// <summary>`run`: the hosted worker. Watches the configured folders until SIGTERM/Ctrl-C.</summary>
internal static class RunCommand
{
    public static Command Create(Option<string> config, Option<string[]> set)
    {
        var command = new Command("run", "Run the worker: watch folders, process files, write sidecars");
        command.SetAction(async (parse, ct) =>
        {
            var builder = WorkerHost.CreateBuilder(parse.GetValue(config)!, parse.GetValue(set)!);
            builder.Services.AddHostedService<WorkerService>();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
            using var host = builder.Build();
            if (WorkerHost.ValidatedOptions(host.Services) is null)
            {
                return 1;
            }

            await host.RunAsync(ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
