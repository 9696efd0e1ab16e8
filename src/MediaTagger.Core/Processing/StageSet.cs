using System.Diagnostics;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Journal;
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
    private readonly Action<ModelEvent>? onModelEvent;
    private readonly TimeProvider time;

    /// <param name="onModelEvent">Receives a Load event (time, RSS growth) when a stage with a model is created, and an Unload when it is released.</param>
    public StageSet(MediaTaggerOptions options, Func<StageDefinition, IStage> factory, Action<ModelEvent>? onModelEvent = null, TimeProvider? time = null)
    {
        this.factory = factory;
        this.onModelEvent = onModelEvent;
        this.time = time ?? TimeProvider.System;
        foreach (var pipeline in options.Pipelines.Values)
        {
            foreach (var definition in pipeline.Image.Concat(pipeline.Audio).Concat(pipeline.Video))
            {
                definitions.TryAdd(definition.Stage, definition);
            }
        }
    }

    /// <summary>The pipelines.json definition a stage name stands for (the first one, as stage names are unique per worker).</summary>
    public StageDefinition Definition(string stage) => definitions.TryGetValue(stage, out var d) ? d : new StageDefinition { Stage = stage };

    /// <summary>The stage, or the exception that makes it unavailable now.</summary>
    public IStage Get(string stage)
    {
        Lazy<IStage> lazy;
        lock (gate)
        {
            if (!stages.TryGetValue(stage, out lazy!))
            {
                var definition = Definition(stage);
                lazy = new Lazy<IStage>(() => Load(definition), LazyThreadSafetyMode.ExecutionAndPublication);
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

    private IStage Load(StageDefinition definition)
    {
        // In process, the footprint is the RSS growth across the load (weights, session arenas and all); a model host
        // reports its own resident memory once loaded, which is exactly what its exit gives back.
        var rssBefore = ResidentBytes();
        var clock = Stopwatch.StartNew();
        var stage = factory(definition);
        clock.Stop();
        if (stage.Model is { } model)
        {
            var (footprint, note) = stage is IResidentModel hosted
                ? (hosted.FootprintBytes, $"stage {stage.Name}, host pid {hosted.ProcessId}")
                : (Math.Max(0, ResidentBytes() - rssBefore), $"stage {stage.Name}, in process");
            onModelEvent?.Invoke(new ModelEvent(ModelEventKind.Load, model.Id, stage.Device, time.GetUtcNow(), clock.ElapsedMilliseconds, footprint, note));
        }

        return stage;
    }

    private static long ResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    /// <summary>Releases one stage (its model leaves memory); the next use creates it again.</summary>
    public void Release(string stage, string? reason = null)
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
            var peak = lazy.Value is IResidentModel hosted ? hosted.PeakResidentBytes : (long?)null;
            disposable.Dispose();
            if (lazy.Value.Model is { } model)
            {
                onModelEvent?.Invoke(new ModelEvent(ModelEventKind.Unload, model.Id, lazy.Value.Device, time.GetUtcNow(),
                    FootprintBytes: peak is > 0 ? peak : null, Note: $"stage {lazy.Value.Name}" + (reason is null ? "" : $": {reason}")));
            }
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
