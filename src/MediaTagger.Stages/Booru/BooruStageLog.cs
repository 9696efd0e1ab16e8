using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Booru;

/// <summary>Every log event of the booru stage, with fixed EventIds 3950–3999.</summary>
internal static partial class BooruStageLog
{
    [LoggerMessage(EventId = 3950, Level = LogLevel.Information, Message = "Booru tagger {Model} ready on {Device}: {Preprocess} preprocessing, {Side}x{Side} input, {Tags} tags")]
    public static partial void Ready(ILogger logger, string model, string device, BooruPreprocess preprocess, int side, int tags);

    [LoggerMessage(EventId = 3951, Level = LogLevel.Debug, Message = "{Path}: {Tags} tag(s), rating {Rating}")]
    public static partial void Tagged(ILogger logger, string path, int tags, string rating);
}
