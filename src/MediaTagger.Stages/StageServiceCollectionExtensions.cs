using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Stages.Booru;
using MediaTagger.Stages.Caption;
using MediaTagger.Stages.Clip;
using MediaTagger.Stages.Faces;
using MediaTagger.Stages.ImageNet;
using MediaTagger.Stages.Keyframes;
using MediaTagger.Stages.Llm;
using MediaTagger.Stages.Ocr;
using MediaTagger.Stages.Probe;
using MediaTagger.Stages.Tags;
using MediaTagger.Stages.Vad;
using MediaTagger.Stages.Whisper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MediaTagger.Stages;

public static class StageServiceCollectionExtensions
{
    /// <summary>Adds every stage family of this build: probe, keyframes, imagenet, faces, ocr, vad, whisper, llm, tags, caption, booru and clip, with their own defaults.</summary>
    public static IServiceCollection AddMediaTaggerStages(this IServiceCollection services) =>
        services.AddProbeStage().AddKeyframesStage().AddImageNetStage().AddFacesStage().AddOcrStage().AddVadStage().AddWhisperStage()
            .AddLlmStage().AddTagsStage()
            .AddCaptionStage()
            .AddBooruStage()
            .AddClipStage();

    /// <summary>The families <see cref="AddMediaTaggerStages"/> adds (names, model roles), without a host: what `models add` checks against.</summary>
    public static IReadOnlyList<IStageFamily> StageFamilies() =>
        new ServiceCollection().AddMediaTaggerStages()
            .Where(d => d.ServiceType == typeof(IStageFamily))
            .Select(d => (IStageFamily)d.ImplementationInstance!)
            .ToArray();

    /// <summary>
    /// Registers a family as an <see cref="IStageFamily"/>, and the <see cref="StageCatalog"/> made of all registered
    /// families (it needs a <see cref="ModelCatalog"/>, a <see cref="ModelStore"/> and <see cref="MediaTaggerOptions"/>).
    /// A family added again keeps one registration, and its earlier configureDefaults run before the later ones.
    /// </summary>
    internal static IServiceCollection AddStageFamily<TOptions>(this IServiceCollection services, StageFamily<TOptions> family)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        var earlier = services.FirstOrDefault(d => d.ServiceType == typeof(IStageFamily) && d.ImplementationInstance is IStageFamily f && f.Name == family.Name);
        if (earlier is not null)
        {
            services.Remove(earlier);
            if (earlier.ImplementationInstance is StageFamily<TOptions> same)
            {
                family = family.After(same);
            }
        }

        services.AddSingleton<IStageFamily>(family);
        services.TryAddSingleton(provider => new StageCatalog(provider.GetServices<IStageFamily>(), new StageContext(
            provider.GetRequiredService<ModelCatalog>(),
            provider.GetRequiredService<ModelStore>(),
            provider.GetRequiredService<IOptions<MediaTaggerOptions>>().Value.Worker,
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            provider.GetService<TimeProvider>() ?? TimeProvider.System)));
        return services;
    }
}
