using MediaTagger.Core;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Journal;
using MediaTagger.Core.Models;
using MediaTagger.Core.Processing;
using MediaTagger.Core.Scheduling;
using MediaTagger.Core.Sidecars;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MediaTagger.Hosting;

/// <summary>
/// Builds the generic host every worker verb runs in: pipelines.json, then MEDIATAGGER_* environment variables, then
/// command-line overrides; options validated on start; the journal, stages, sidecar writer and processor as services.
/// </summary>
internal static class WorkerHost
{
    public static HostApplicationBuilder CreateBuilder(string configPath, string[] overrides)
    {
        var fullConfig = Path.GetFullPath(configPath);
        if (!File.Exists(fullConfig))
        {
            throw new FileNotFoundException($"configuration file {fullConfig} not found (pass --config PATH)", fullConfig);
        }

        var baseDirectory = Path.GetDirectoryName(fullConfig)!;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = baseDirectory });
        builder.Configuration.AddJsonFile(fullConfig, optional: false, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables("MEDIATAGGER_");
        // --set key=value (repeatable), with ':' between levels: --set worker:stableWindowSeconds=5
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in overrides)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"--set expects key=value (for example worker:stableWindowSeconds=5), got '{pair}'", nameof(overrides));
            }

            settings[pair[..eq].Trim()] = pair[(eq + 1)..];
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<MediaTaggerOptions>().Bind(builder.Configuration).ValidateOnStart();
        // Stages that keep files beside the journal (keyframes) read its folder from here, so it must not depend on the current directory.
        services.PostConfigure<MediaTaggerOptions>(o =>
        {
            if (!string.IsNullOrWhiteSpace(o.Worker.JournalPath))
            {
                o.Worker.JournalPath = Path.GetFullPath(o.Worker.JournalPath, baseDirectory);
            }
        });
        services.AddMediaTaggerStages();
        services.AddSingleton<IValidateOptions<MediaTaggerOptions>>(sp => new MediaTaggerOptionsValidator(sp.GetServices<IStageFamily>(), baseDirectory));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MediaTaggerOptions>>().Value);
        services.AddSingleton(new WorkerPaths(baseDirectory));
        services.AddSingleton(_ => ModelCatalog.Load(ProductPaths.CatalogPath));
        services.AddSingleton(_ => new ModelStore(ProductPaths.ModelDirectory, ProductPaths.ModelMirror));
        services.AddSingleton<IJournal>(sp =>
        {
            var options = sp.GetRequiredService<MediaTaggerOptions>();
            var path = Path.GetFullPath(options.Worker.JournalPath, baseDirectory);
            return new SqliteJournal(path, sp.GetRequiredService<ILogger<SqliteJournal>>());
        });
        services.AddSingleton(new WorkerInvocation(fullConfig, overrides));
        services.AddSingleton(sp => new StageSet(sp.GetRequiredService<MediaTaggerOptions>(), ModelHostLauncher.StageFactory(sp),
            sp.GetRequiredService<IJournal>().RecordModelEvent, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<MediaTaggerOptions>();
            var w = options.Worker;
            var stages = sp.GetRequiredService<StageSet>();
            var catalog = sp.GetRequiredService<StageCatalog>();
            var journalPath = Path.GetFullPath(w.JournalPath, baseDirectory);
            var settings = SchedulerSettings.FromWorker(w);
            return new StageScheduler(sp.GetRequiredService<IJournal>(), stages, settings, name => ModelOf(catalog, stages.Definition(name)),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("MediaTagger.Scheduler"),
                SnapshotPath(journalPath), name => stages.Definition(name).Priority);
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<MediaTaggerOptions>();
            return new SidecarWriter(options.Outputs, options.Watch.Select(w => w.Path).ToArray(), baseDirectory);
        });
        services.AddSingleton(sp => new MediaProcessor(
            sp.GetRequiredService<IJournal>(),
            sp.GetRequiredService<MediaTaggerOptions>(),
            sp.GetRequiredService<StageScheduler>(),
            sp.GetRequiredService<SidecarWriter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("MediaTagger.Processing"),
            typeof(WorkerHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0")
        {
            ModelShaOf = definition => ModelShaOf(sp.GetRequiredService<StageCatalog>(), definition),
            BatchSize = sp.GetRequiredService<MediaTaggerOptions>().Worker.BatchSize,
            StageContent = new StageContentFiles(sp.GetRequiredService<StageCatalog>().Contents, sp.GetRequiredService<ILoggerFactory>().CreateLogger("MediaTagger.Processing")),
        });
        return builder;
    }

    /// <summary>Where a worker writes its scheduler's live picture: beside the journal.</summary>
    public static string SnapshotPath(string journalPath) => Path.Combine(Path.GetDirectoryName(journalPath)!, "scheduler.json");

    private static StageModel? ModelOf(StageCatalog catalog, StageDefinition definition)
    {
        try
        {
            return catalog.ModelOf(definition) is { } m ? StageModel.Of(m) : null;
        }
        catch (KeyNotFoundException)
        {
            return null; // an unknown model id: creating the stage fails with the catalog's message
        }
    }

    private static string? ModelShaOf(StageCatalog catalog, StageDefinition definition)
    {
        try
        {
            return catalog.ModelSha(definition);
        }
        catch (KeyNotFoundException)
        {
            return "not in the catalog"; // the file is still ingested; its stage fails with the catalog's message
        }
    }

    /// <summary>Validates options now (the host would do it on start), printing every problem; returns null when invalid.</summary>
    public static MediaTaggerOptions? ValidatedOptions(IServiceProvider services)
    {
        try
        {
            var options = services.GetRequiredService<IOptions<MediaTaggerOptions>>().Value;
            // The catalog now, not at the first stage: a broken user catalog is a configuration error naming its file.
            services.GetRequiredService<ModelCatalog>();
            return options;
        }
        catch (ModelCatalogException ex)
        {
            Console.Error.WriteLine("configuration error: " + ex.Message);
            return null;
        }
        catch (OptionsValidationException ex)
        {
            Console.Error.WriteLine("pipelines.json is not valid:");
            foreach (var failure in ex.Failures)
            {
                Console.Error.WriteLine("  " + failure);
            }

            return null;
        }
    }
}

/// <summary>How this process was started (configuration file and --set overrides), so model hosts start the same way.</summary>
internal sealed record WorkerInvocation(string ConfigPath, IReadOnlyList<string> Overrides);

/// <summary>The folder relative paths in the configuration resolve against.</summary>
internal sealed record WorkerPaths(string BaseDirectory);
