using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Tags;

/// <summary>Every log event of the tags stage, with fixed EventIds 3850–3899.</summary>
internal static partial class TagsStageLog
{
    [LoggerMessage(EventId = 3850, Level = LogLevel.Information, Message = "Tags stage ready: {Replacements} replacement(s), {Undesired} undesired tag(s), vocabulary {Vocabulary}, at most {MaxTags} tags")]
    public static partial void Ready(ILogger logger, int replacements, int undesired, string vocabulary, int maxTags);

    [LoggerMessage(EventId = 3851, Level = LogLevel.Debug, Message = "{Path}: {Tags} tag(s) from {Candidates} candidate(s); {Changed} changed, {Dropped} dropped")]
    public static partial void Normalized(ILogger logger, string path, int tags, int candidates, int changed, int dropped);

    [LoggerMessage(EventId = 3852, Level = LogLevel.Warning, Message = "{Path}: the {Stage} stage's result has a malformed {Field} entry, which is left out: {Problem}")]
    public static partial void Malformed(ILogger logger, string path, string stage, string field, string problem);
}
