using System.Globalization;
using System.Text.RegularExpressions;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Options;

namespace MediaTagger.Core.Configuration;

/// <summary>
/// Validates pipelines.json once, at start, and lists every problem with its JSON path, so a user fixes them all
/// in one go instead of one per restart.
/// </summary>
public sealed partial class MediaTaggerOptionsValidator : IValidateOptions<MediaTaggerOptions>
{
    private static readonly string[] OutputFormats = ["json", "txt", "srt", "vtt", "caption"];
    private readonly Dictionary<string, IStageFamily> stageFamilies;
    private readonly string baseDirectory;

    /// <param name="stageFamilies">The stages this worker can create; each checks its own "with" parameters.</param>
    /// <param name="baseDirectory">Relative watch paths are resolved against this (the configuration file's folder).</param>
    public MediaTaggerOptionsValidator(IEnumerable<IStageFamily> stageFamilies, string baseDirectory)
    {
        this.stageFamilies = stageFamilies.ToDictionary(f => f.Name, StringComparer.Ordinal);
        this.baseDirectory = baseDirectory;
    }

    public ValidateOptionsResult Validate(string? name, MediaTaggerOptions options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public IEnumerable<string> Problems(MediaTaggerOptions o)
    {
        var w = o.Worker;
        if (w.StableWindowSeconds is <= 0 or > 3600)
        {
            yield return $"$.worker.stableWindowSeconds: must be between 0 and 3600 (is {Num(w.StableWindowSeconds)})";
        }

        if (w.RescanIntervalSeconds < 5)
        {
            yield return $"$.worker.rescanIntervalSeconds: must be at least 5 (is {Num(w.RescanIntervalSeconds)})";
        }

        if (w.MaxAttempts is < 1 or > 100)
        {
            yield return $"$.worker.maxAttempts: must be between 1 and 100 (is {w.MaxAttempts})";
        }

        if (w.RetryDelaySeconds < 0)
        {
            yield return "$.worker.retryDelaySeconds: must not be negative";
        }

        if (string.IsNullOrWhiteSpace(w.JournalPath))
        {
            yield return "$.worker.journalPath: is empty";
        }

        if (!ProfilePattern().IsMatch(w.Profile ?? ""))
        {
            yield return $"$.worker.profile: '{w.Profile}' is not cpu, 4gb, 8gb or a size like 6144MB or 6GB";
        }

        if (w.BatchSize is < 1 or > 4096)
        {
            yield return $"$.worker.batchSize: must be between 1 and 4096 (is {w.BatchSize})";
        }

        if (w.Isolation is not ("process" or "inprocess"))
        {
            yield return $"$.worker.isolation: '{w.Isolation}' is not process or inprocess";
        }

        foreach (var (name, value) in new[]
        {
            ("modelIdleSeconds", w.ModelIdleSeconds), ("agingSeconds", w.AgingSeconds), ("hostLoadSeconds", w.HostLoadSeconds),
            ("hostHeartbeatSeconds", w.HostHeartbeatSeconds), ("batchTimeoutSeconds", w.BatchTimeoutSeconds), ("taskTimeoutSeconds", w.TaskTimeoutSeconds),
            ("timeoutPerMediaSecond", w.TimeoutPerMediaSecond),
        })
        {
            if (value <= 0)
            {
                yield return $"$.worker.{name}: must be positive (is {Num(value)})";
            }
        }

        if (w.MaxImagePixels <= 0)
        {
            yield return "$.worker.maxImagePixels: must be positive";
        }

        if (w.MaxFileBytes <= 0)
        {
            yield return "$.worker.maxFileBytes: must be positive";
        }

        if (o.Pipelines.Count == 0)
        {
            yield return "$.pipelines: no pipeline is defined";
        }

        // A stage name stands for one stage (one model host) per worker: the same name defined with other parameters
        // elsewhere would silently run with the first definition, so it is an error that names both places.
        var firstDefinition = new Dictionary<string, (string Path, StageDefinition Definition)>(StringComparer.Ordinal);
        foreach (var (pipelineName, pipeline) in o.Pipelines)
        {
            foreach (var (kind, stages) in new[] { ("image", pipeline.Image), ("audio", pipeline.Audio), ("video", pipeline.Video) })
            {
                for (var i = 0; i < stages.Count; i++)
                {
                    var here = $"$.pipelines.{pipelineName}.{kind}[{i}]";
                    if (string.IsNullOrWhiteSpace(stages[i].Stage))
                    {
                        continue;
                    }

                    if (!firstDefinition.TryGetValue(stages[i].Stage, out var first))
                    {
                        firstDefinition[stages[i].Stage] = (here, stages[i]);
                    }
                    else if (!SameDefinition(first.Definition, stages[i]))
                    {
                        yield return $"{here}: stage '{stages[i].Stage}' has other parameters than at {first.Path}; a stage name has one definition per worker (give both the same \"with\" and priority)";
                    }
                }
            }
        }

        foreach (var (pipelineName, pipeline) in o.Pipelines)
        {
            foreach (var (kind, stages) in new[] { ("image", pipeline.Image), ("audio", pipeline.Audio), ("video", pipeline.Video) })
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < stages.Count; i++)
                {
                    var path = $"$.pipelines.{pipelineName}.{kind}[{i}]";
                    var stage = stages[i].Stage;
                    if (string.IsNullOrWhiteSpace(stage))
                    {
                        yield return $"{path}.stage: is empty";
                    }
                    else if (!stageFamilies.TryGetValue(stage, out var family))
                    {
                        yield return $"{path}.stage: unknown stage '{stage}' (known: {string.Join(", ", stageFamilies.Keys.Order(StringComparer.Ordinal))})";
                    }
                    else
                    {
                        if (!seen.Add(stage))
                        {
                            yield return $"{path}.stage: '{stage}' appears twice in this list";
                        }

                        foreach (var problem in family.Check(stages[i], w))
                        {
                            yield return $"{path}.with.{problem.Key}: {problem.Message}";
                        }
                    }

                    if (stages[i].Priority <= 0)
                    {
                        yield return $"{path}.priority: must be positive (is {Num(stages[i].Priority)})";
                    }
                }
            }
        }

        for (var i = 0; i < o.Watch.Count; i++)
        {
            var entry = o.Watch[i];
            var path = $"$.watch[{i}]";
            if (string.IsNullOrWhiteSpace(entry.Path))
            {
                yield return $"{path}.path: is empty";
            }
            else if (!Directory.Exists(Resolve(entry.Path)))
            {
                yield return $"{path}.path: folder '{Resolve(entry.Path)}' does not exist";
            }

            if (!o.Pipelines.ContainsKey(entry.Pipeline))
            {
                yield return $"{path}.pipeline: no pipeline named '{entry.Pipeline}' (defined: {string.Join(", ", o.Pipelines.Keys)})";
            }

            if (entry.PollIntervalSeconds <= 0)
            {
                yield return $"{path}.pollIntervalSeconds: must be positive";
            }

            foreach (var problem in Watching.PathFilter.Validate(entry).Where(p => !p.StartsWith("path ", StringComparison.Ordinal)))
            {
                yield return $"{path}: {problem}";
            }
        }

        if (o.Outputs.Sidecar is not ("beside" or "mirror"))
        {
            yield return $"$.outputs.sidecar: '{o.Outputs.Sidecar}' is not 'beside' or 'mirror'";
        }
        else if (o.Outputs.Sidecar == "mirror" && string.IsNullOrWhiteSpace(o.Outputs.MirrorRoot))
        {
            yield return "$.outputs.mirrorRoot: required when outputs.sidecar is 'mirror'";
        }

        for (var i = 0; i < o.Outputs.Formats.Count; i++)
        {
            if (!OutputFormats.Contains(o.Outputs.Formats[i], StringComparer.Ordinal))
            {
                yield return $"$.outputs.formats[{i}]: '{o.Outputs.Formats[i]}' is not one of {string.Join(", ", OutputFormats)}";
            }
        }

        for (var i = 0; i < o.Schedules.Count; i++)
        {
            var s = o.Schedules[i];
            var path = $"$.schedules[{i}]";
            if (CronSchedule.TryParse(s.Cron, out _, out var cronError) is false)
            {
                yield return $"{path}.cron: {cronError}";
            }

            if (!o.Pipelines.ContainsKey(s.Pipeline))
            {
                yield return $"{path}.pipeline: no pipeline named '{s.Pipeline}'";
            }

            if (s.Paths.Count == 0)
            {
                yield return $"{path}.paths: no folder listed";
            }

            for (var j = 0; j < s.Paths.Count; j++)
            {
                if (!Directory.Exists(Resolve(s.Paths[j])))
                {
                    yield return $"{path}.paths[{j}]: folder '{Resolve(s.Paths[j])}' does not exist";
                }
            }
        }
    }

    private string Resolve(string path) => Path.GetFullPath(path, baseDirectory);

    private static bool SameDefinition(StageDefinition a, StageDefinition b) =>
        a.Priority.Equals(b.Priority) && a.With.Count == b.With.Count
        && a.With.All(p => b.With.TryGetValue(p.Key, out var v) && string.Equals(v, p.Value, StringComparison.Ordinal));

    private static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^(cpu|4gb|8gb|[0-9]+(\\.[0-9]+)?\\s*(mb|gb))$", RegexOptions.IgnoreCase)]
    private static partial Regex ProfilePattern();
}
