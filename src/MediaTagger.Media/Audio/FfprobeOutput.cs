using System.Globalization;
using System.Text.Json;

namespace MediaTagger.Media.Audio;

/// <summary>Parses `ffprobe -v error -print_format json -show_format -show_streams` output.</summary>
internal static class FfprobeOutput
{
    public static MediaProbe Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new MediaDecodeException($"ffprobe output is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MediaDecodeException("ffprobe output is not a JSON object");
            }

            var streams = new List<AudioStreamInfo>();
            var allStreams = new List<MediaStreamInfo>();
            TimeSpan? longestStream = null;
            if (root.TryGetProperty("streams", out var streamArray) && streamArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var stream in streamArray.EnumerateArray())
                {
                    if (stream.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    var tags = stream.TryGetProperty("tags", out var t) ? t : default;
                    var duration = Seconds(stream, "duration") ?? Clock(Tag(tags, "DURATION"));
                    var type = TypeOf(String(stream, "codec_type"));
                    var attachedPicture = stream.TryGetProperty("disposition", out var disposition) && disposition.ValueKind == JsonValueKind.Object
                        && Int(disposition, "attached_pic") == 1;
                    var moving = type == MediaStreamType.Video && !attachedPicture; // cover art reports r_frame_rate 90000/1
                    allStreams.Add(new MediaStreamInfo
                    {
                        Index = Int(stream, "index") ?? allStreams.Count,
                        Type = type,
                        Codec = String(stream, "codec_name"),
                        Language = Tag(tags, "language"),
                        Duration = duration,
                        Channels = type == MediaStreamType.Audio ? Int(stream, "channels") : null,
                        SampleRate = type == MediaStreamType.Audio ? Int(stream, "sample_rate") : null,
                        Width = type == MediaStreamType.Video ? Int(stream, "width") : null,
                        Height = type == MediaStreamType.Video ? Int(stream, "height") : null,
                        FrameRate = moving ? Rate(stream, "avg_frame_rate") ?? Rate(stream, "r_frame_rate") : null,
                        AttachedPicture = attachedPicture,
                    });

                    if (type != MediaStreamType.Audio)
                    {
                        continue;
                    }

                    if (duration > longestStream || longestStream is null)
                    {
                        longestStream = duration ?? longestStream;
                    }

                    streams.Add(new AudioStreamInfo
                    {
                        Index = Int(stream, "index") ?? streams.Count,
                        Codec = String(stream, "codec_name"),
                        Language = Tag(tags, "language"),
                        IsDefault = disposition.ValueKind == JsonValueKind.Object && Int(disposition, "default") == 1,
                        Channels = Int(stream, "channels") ?? 0,
                        SampleRate = Int(stream, "sample_rate") ?? 0,
                        Duration = duration,
                    });
                }
            }

            TimeSpan? formatDuration = null;
            string? formatName = null;
            if (root.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.Object)
            {
                formatDuration = Seconds(format, "duration");
                formatName = String(format, "format_name");
            }

            return new MediaProbe
            {
                Duration = formatDuration ?? longestStream,
                FormatName = formatName,
                AudioStreams = streams,
                Streams = allStreams,
            };
        }
    }

    private static MediaStreamType TypeOf(string? codecType) => codecType switch
    {
        "audio" => MediaStreamType.Audio,
        "video" => MediaStreamType.Video,
        "subtitle" => MediaStreamType.Subtitle,
        "data" => MediaStreamType.Data,
        "attachment" => MediaStreamType.Attachment,
        _ => MediaStreamType.Unknown,
    };

    /// <summary>"30000/1001" -> 29.97; "0/0" (unknown, as for cover art) -> null.</summary>
    private static double? Rate(JsonElement element, string name)
    {
        var parts = String(element, name)?.Split('/');
        if (parts is not { Length: 2 }
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var numerator)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var denominator)
            || numerator <= 0 || denominator <= 0)
        {
            return null;
        }

        return numerator / denominator;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>ffprobe writes some numbers as JSON numbers (channels) and some as strings (sample_rate).</summary>
    private static int? Int(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
    }

    /// <summary>"11.088000" -> 11.088 s; "N/A", missing or negative -> null.</summary>
    private static TimeSpan? Seconds(JsonElement element, string name)
    {
        var text = element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }

    /// <summary>Matroska keeps stream durations in a tag: "00:00:02.021000000" (more digits than TimeSpan parses).</summary>
    private static TimeSpan? Clock(string? text)
    {
        var parts = text?.Split(':');
        if (parts is not { Length: 3 }
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || !double.TryParse(parts[2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        return TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Tag keys differ in case between containers ("language", "LANGUAGE").</summary>
    private static string? Tag(JsonElement tags, string name)
    {
        if (tags.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in tags.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString();
            }
        }

        return null;
    }
}
