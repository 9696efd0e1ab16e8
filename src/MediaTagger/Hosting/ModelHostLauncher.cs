using System.Diagnostics;
using System.Reflection;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.ModelHosts;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Hosting;

/// <summary>
/// Creates stages for the worker: with worker:isolation=process (the default) a stage that has a model runs in a
/// model host, a copy of this executable started with the `model-host` verb and the same configuration; model-free
/// stages (probe) and worker:isolation=inprocess run inside the worker.
/// </summary>
internal static partial class ModelHostLauncher
{
    public static Func<StageDefinition, IStage> StageFactory(IServiceProvider services)
    {
        var options = services.GetRequiredService<MediaTaggerOptions>();
        var catalog = services.GetRequiredService<StageCatalog>();
        var invocation = services.GetRequiredService<WorkerInvocation>();
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var w = options.Worker;
        var limits = new ModelHostLimits(TimeSpan.FromSeconds(w.HostLoadSeconds), TimeSpan.FromSeconds(w.HostHeartbeatSeconds),
            TimeSpan.FromSeconds(w.BatchTimeoutSeconds), TimeSpan.FromSeconds(w.TaskTimeoutSeconds), TimeSpan.FromSeconds(10), w.TimeoutPerMediaSecond);
        return definition =>
        {
            if (w.Isolation != "process" || catalog.ModelOf(definition) is null)
            {
                return catalog.Create(definition);
            }

            var logger = loggers.CreateLogger("MediaTagger.ModelHost." + definition.Stage);
            var heartbeatMs = (int)Math.Clamp(limits.Heartbeat.TotalMilliseconds / 4, 50, 1000);
            var child = ChildModelHost.Start(StartInfo(invocation, definition.Stage, heartbeatMs), line => Relay(logger, definition.Stage, line));
            LogStarted(logger, definition.Stage, child.Id);
            return HostedStage.Attach(child, definition.Stage, limits, logger, time);
        };
    }

    /// <summary>This executable (as the apphost, or as `dotnet mediatagger.dll`) with the `model-host` verb.</summary>
    public static ProcessStartInfo StartInfo(WorkerInvocation invocation, string stage, int heartbeatMs)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this is");
        var start = new ProcessStartInfo(self) { WorkingDirectory = Environment.CurrentDirectory };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in new[] { "model-host", "--stage", stage, "--heartbeat-ms", heartbeatMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", invocation.ConfigPath })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var pair in invocation.Overrides)
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add(pair);
        }

        // Bounded memory over long runs. glibc raises its mmap threshold each time a large block is freed, after which
        // the per-chunk buffers of a long transcription come from the heap and are never given back: a fixed trim
        // threshold keeps that from happening (a 10-minute file: whisper host peak 482 -> 207 MiB). Fewer malloc arenas
        // and a GC that compacts sooner trim the rest. A value the user set wins.
        foreach (var (name, value) in HostEnvironment)
        {
            if (Environment.GetEnvironmentVariable(name) is null)
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    /// <summary>Set for model hosts unless the user set them: see <see cref="StartInfo"/>.</summary>
    public static IReadOnlyList<(string Name, string Value)> HostEnvironment { get; } =
    [
        ("MALLOC_TRIM_THRESHOLD_", "1048576"),
        ("MALLOC_ARENA_MAX", "2"),
        ("DOTNET_GCConserveMemory", "5"),
    ];

    private static void Relay(ILogger logger, string stage, string line)
    {
        // The host's console log lines carry their level ("warn:", "fail:"); keep it, so its problems stay visible.
        var level = line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal) ? LogLevel.Error
            : line.Contains(" warn: ", StringComparison.Ordinal) ? LogLevel.Warning
            : LogLevel.Debug;
        LogHostLine(logger, level, stage, line);
    }

    [LoggerMessage(EventId = 3420, Message = "[model-host {Stage}] {Line}")]
    private static partial void LogHostLine(ILogger logger, LogLevel level, string stage, string line);

    [LoggerMessage(EventId = 3421, Level = LogLevel.Debug, Message = "Started a model host for stage {Stage}: pid {Pid}")]
    private static partial void LogStarted(ILogger logger, string stage, int pid);
}
