using MediaTagger.Core.Models;

namespace MediaTagger.Core.Scheduling;

/// <summary>One stage of a pipeline and the catalog model it names (null for a model-free stage), or why it has none.</summary>
/// <param name="UsedBy">Where it is used: "pipeline/kind/stage", for example "default/image/imagenet".</param>
public sealed record PlannedStage(string UsedBy, ModelEntry? Model, string? Problem = null);

/// <summary>One model of a plan, with the scheduler's numbers for it under the plan's settings.</summary>
/// <param name="NeedBytes">What the scheduler counts before loading it (<see cref="ModelAdmission.Need"/>).</param>
/// <param name="State">installed, mirror, missing or corrupt.</param>
public sealed record PlannedModel(ModelEntry Model, long NeedBytes, bool Measured, bool Fits, string State, IReadOnlyList<string> UsedBy)
{
    public bool Installed => State is "installed" or "mirror";
}

/// <summary>
/// Which of the pipelines' models fit a memory profile, by the scheduler's own rule (<see cref="ModelAdmission"/>): each
/// model alone against the budget (one that does not fit is refused at its first file), and the peak of the resident
/// set (the largest heavy model plus every light one) against it (over it, light models are swapped, which is slower).
/// </summary>
public sealed record ModelPlan(SchedulerSettings Settings, IReadOnlyList<PlannedModel> Models, long PeakBytes, PlannedModel? PeakHeavy, IReadOnlyList<string> Problems)
{
    /// <summary>Every model can be loaded under the profile and every stage names a known model.</summary>
    public bool AllFit => Problems.Count == 0 && Models.All(m => m.Fits);

    public bool PeakFits => ModelAdmission.Fits(PeakBytes, Settings.Budget);

    /// <summary>The models a `models pull` would still have to fetch.</summary>
    public IReadOnlyList<string> Missing => Models.Where(m => !m.Installed).Select(m => m.Model.Id).ToArray();

    /// <param name="measuredBytes">A model's footprint measured on this machine (the journal's record), or null.</param>
    public static ModelPlan Build(IEnumerable<PlannedStage> stages, SchedulerSettings settings, ModelStore store, Func<string, long?> measuredBytes)
    {
        var list = stages.ToList();
        var problems = list.Where(s => s.Problem is not null).Select(s => $"{s.UsedBy}: {s.Problem}").ToList();
        var models = list.Where(s => s.Model is not null)
            .GroupBy(s => s.Model!.Id, StringComparer.Ordinal)
            .Select(g =>
            {
                var model = g.First().Model!;
                var (need, measured) = ModelAdmission.Need(StageModel.Of(model), settings, measuredBytes(model.Id));
                return new PlannedModel(model, need, measured, ModelAdmission.Fits(need, settings.Budget), StateOf(store, model), g.Select(s => s.UsedBy).ToArray());
            })
            .ToList();
        var admitted = models.Where(m => m.Fits).ToList();
        var peak = ModelAdmission.Peak(admitted.Select(m => (m.Model.Heavy, m.NeedBytes)));
        var heavy = admitted.Where(m => m.Model.Heavy).MaxBy(m => m.NeedBytes);
        return new ModelPlan(settings, models, peak, heavy, problems);
    }

    /// <summary>installed (model folder), mirror, missing, or corrupt (a copy exists but fails its checksum).</summary>
    public static string StateOf(ModelStore store, ModelEntry model)
    {
        var resolved = model.Files.Select(f => store.Resolve(model, f)).ToArray();
        if (resolved.Any(r => !r.Found))
        {
            return resolved.Any(r => !r.Found && r.CorruptPath is not null) ? "corrupt" : "missing";
        }

        return resolved.All(r => r.Source == "model-folder") ? "installed" : "mirror";
    }
}
