using MediaTagger.Core.Configuration;
using MediaTagger.Core.Stages;
using MediaTagger.Media.Audio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MediaTagger.Stages.Probe;

public static class ProbeStageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the probe stage as an <see cref="IStage"/>. Its limits come from the worker options
    /// (<see cref="WorkerOptions.MaxFileBytes"/>, <see cref="WorkerOptions.MaxImagePixels"/>), then
    /// <paramref name="configure"/>; invalid options fail when the stage is first resolved, listing every problem.
    /// </summary>
    public static IServiceCollection AddProbeStage(this IServiceCollection services, Action<ProbeStageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        var options = services.AddOptions<ProbeStageOptions>()
            .Configure<IOptions<MediaTaggerOptions>>((probe, product) =>
            {
                probe.MaxFileBytes = product.Value.Worker.MaxFileBytes;
                probe.MaxImagePixels = product.Value.Worker.MaxImagePixels;
            });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<IStage>(provider => new ProbeStage(
            provider.GetRequiredService<IOptions<ProbeStageOptions>>().Value,
            provider.GetService<ILogger<ProbeStage>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<FfmpegAudioDecoder>()));
        return services;
    }
}
