using MediaTagger.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Probe;

public static class ProbeStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the probe stage family ("probe": no model). Its limits start from the worker section
    /// (<see cref="WorkerOptions.MaxFileBytes"/>, <see cref="WorkerOptions.MaxImagePixels"/>), then
    /// <paramref name="configureDefaults"/>, then a definition's "with". Invalid defaults throw here, listing every problem.
    /// </summary>
    public static IServiceCollection AddProbeStage(this IServiceCollection services, Action<ProbeStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<ProbeStageOptions>(
            ProbeStage.StageName,
            ProbeStageOptions.Parameters,
            ProbeStageOptions.FromWorker,
            configureDefaults,
            (options, context) => new ProbeStage(options, context.Loggers.CreateLogger<ProbeStage>(), context.Time)));
}
