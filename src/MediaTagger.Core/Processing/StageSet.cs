using MediaTagger.Core.Configuration;
using MediaTagger.Core.Stages;

namespace MediaTagger.Core.Processing;

/// <summary>
/// The stage instances of this worker, created on first use from their pipelines.json definitions. A stage that
/// cannot be created (its model is not installed) is remembered with the reason, and its tasks fail with it.
/// </summary>
public sealed class StageSet : IDisposable
{
    private readonly Func<StageDefinition, IStage> factory;
    private readonly Dictionary<string, StageDefinition> definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lazy<IStage>> stages = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public StageSet(MediaTaggerOptions options, Func<StageDefinition, IStage> factory)
    {
        this.factory = factory;
        foreach (var pipeline in options.Pipelines.Values)
        {
            foreach (var definition in pipeline.Image.Concat(pipeline.Audio).Concat(pipeline.Video))
            {
                definitions.TryAdd(definition.Stage, definition);
            }
        }
    }

    public StageDefinition Definition(string stage) => definitions[stage];

    /// <summary>The stage, or the exception that makes it unavailable now.</summary>
    public IStage Get(string stage)
    {
        Lazy<IStage> lazy;
        lock (gate)
        {
            if (!stages.TryGetValue(stage, out lazy!))
            {
                var definition = definitions.TryGetValue(stage, out var d) ? d : new StageDefinition { Stage = stage };
                lazy = new Lazy<IStage>(() => factory(definition), LazyThreadSafetyMode.ExecutionAndPublication);
                stages[stage] = lazy;
            }
        }

        try
        {
            return lazy.Value;
        }
        catch
        {
            // Not cached: once the user installs the model, the next batch creates the stage.
            lock (gate)
            {
                if (stages.TryGetValue(stage, out var current) && ReferenceEquals(current, lazy))
                {
                    stages.Remove(stage);
                }
            }

            throw;
        }
    }

    /// <summary>Releases one stage (its model leaves memory); the next use creates it again.</summary>
    public void Release(string stage)
    {
        Lazy<IStage>? lazy;
        lock (gate)
        {
            if (!stages.Remove(stage, out lazy))
            {
                return;
            }
        }

        if (lazy.IsValueCreated && lazy.Value is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var name in stages.Keys.ToArray())
        {
            Release(name);
        }
    }
}
