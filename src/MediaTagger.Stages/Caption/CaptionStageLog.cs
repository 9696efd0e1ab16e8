using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Caption;

/// <summary>Every log event of the caption stage, with fixed EventIds 4000–4049.</summary>
internal static partial class CaptionStageLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Caption stage ready: {Model} on {Device}, {Beams} beam(s), length {MinLength}..{MaxLength}, repetition penalty {Penalty}, prompt '{Prompt}'")]
    public static partial void Ready(ILogger logger, string model, string device, int beams, int minLength, int maxLength, double penalty, string prompt);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "{Path}: '{Caption}' ({Tokens} token(s), score {Score})")]
    public static partial void Captioned(ILogger logger, string path, string caption, int tokens, double score);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "{Path}: cannot be captioned: {Reason}")]
    public static partial void Failed(ILogger logger, string path, string reason);
}
