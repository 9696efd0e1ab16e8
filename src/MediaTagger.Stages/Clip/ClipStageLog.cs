using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Clip;

/// <summary>The clip stage's log messages (EventIds 3900-3949).</summary>
internal static partial class ClipStageLog
{
    [LoggerMessage(EventId = 3900, Level = LogLevel.Information, Message = "CLIP {Model} on {Device}: {Labels} zero-shot labels x {Templates} templates ({Source})")]
    public static partial void LabelsReady(ILogger logger, string model, string device, int labels, int templates, string source);

    [LoggerMessage(EventId = 3901, Level = LogLevel.Information, Message = "CLIP search over {Count} embeddings of {Model} for '{Query}'")]
    public static partial void Searching(ILogger logger, int count, string model, string query);
}
