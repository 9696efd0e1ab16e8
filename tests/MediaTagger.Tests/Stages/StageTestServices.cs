using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;
using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Tests.Stages;

/// <summary>Services as a host adds them: stage families, a model catalog and store, the worker section.</summary>
internal static class StageTestServices
{
    /// <summary>Two small models with made-up checksums; their files are never read.</summary>
    public static ModelCatalog ToyModels { get; } = new([Toy("toy-a", 'a'), Toy("toy-b", 'b')]);

    /// <summary>The families that the given AddXStage calls register.</summary>
    public static IReadOnlyList<IStageFamily> Families(Action<IServiceCollection> add)
    {
        var services = new ServiceCollection();
        add(services);
        return services.Where(d => d.ServiceType == typeof(IStageFamily)).Select(d => (IStageFamily)d.ImplementationInstance!).ToList();
    }

    public static ServiceProvider Provider(Action<IServiceCollection> add, ModelCatalog? models = null, Action<WorkerOptions>? worker = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(models ?? ToyModels);
        services.AddSingleton(new ModelStore(Path.Combine(Path.GetTempPath(), "mediatagger-no-models"), null));
        services.AddOptions<MediaTaggerOptions>().Configure(o => worker?.Invoke(o.Worker));
        add(services);
        return services.BuildServiceProvider();
    }

    /// <summary>The options a family makes of a definition (its defaults, the host's configureDefaults, then "with").</summary>
    public static TOptions OptionsOf<TOptions>(IServiceProvider provider, StageDefinition definition)
        where TOptions : class, new() =>
        provider.GetServices<IStageFamily>().OfType<StageFamily<TOptions>>().Single().Options(definition, new WorkerOptions());

    private static ModelEntry Toy(string id, char digit) => new(id, "toy", "a test model", "MIT", ["cpu"], false, true,
        new ModelFootprint(1000, 1, 0),
        [
            new ModelFile("model", id + ".onnx", "https://example.invalid/" + id, new string(digit, 64), 1000, null),
            new ModelFile("recognizer", id + "-rec.onnx", "https://example.invalid/" + id, new string(digit, 63) + "f", 1000, null),
        ]);
}
