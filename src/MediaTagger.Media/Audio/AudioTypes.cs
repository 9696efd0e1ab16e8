namespace MediaTagger.Media.Audio;

/// <summary>How <see cref="FfmpegAudioDecoder"/> turns a media file into PCM.</summary>
public sealed record AudioDecodeOptions
{
    /// <summary>Output sample rate in Hz (whisper needs 16000).</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Output channels; more than one gives interleaved samples.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>The audio stream to decode, by its index in the file (ffprobe's "index"). Default: the first audio stream.</summary>
    public int? StreamIndex { get; init; }

    /// <summary>Decode the first audio stream whose language tag is this (as the container writes it, usually ISO 639-2: "eng", "deu").</summary>
    public string? Language { get; init; }

    /// <summary>
    /// How long ffmpeg may take. For <see cref="FfmpegAudioDecoder.DecodeAsync"/> this bounds the whole decode; for
    /// <see cref="FfmpegAudioDecoder.StreamWindowsAsync"/> it bounds the wait for each window (the time the caller
    /// spends on a window does not count). On expiry the process tree is killed.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (SampleRate is < 1000 or > 384_000)
        {
            errors.Add($"SampleRate must be 1000..384000 Hz, not {SampleRate}");
        }

        if (Channels is < 1 or > 8)
        {
            errors.Add($"Channels must be 1..8, not {Channels}");
        }

        if (StreamIndex is < 0)
        {
            errors.Add($"StreamIndex must not be negative ({StreamIndex})");
        }

        if (StreamIndex is not null && Language is not null)
        {
            errors.Add("set StreamIndex or Language, not both");
        }

        if (Language is { } language && string.IsNullOrWhiteSpace(language))
        {
            errors.Add("Language must not be blank");
        }

        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"Timeout must be positive, not {Timeout}");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid audio decode options: " + string.Join("; ", errors) + ".");
        }
    }
}

/// <summary>A window of decoded audio: where it starts in the file and its samples (interleaved when multichannel).</summary>
public readonly record struct AudioWindow(double StartSeconds, float[] Samples);

/// <summary>What ffprobe reports about a media file.</summary>
public sealed record MediaProbe
{
    /// <summary>The container's duration (or the longest stream's); null when ffprobe does not know it.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>ffprobe's format_name, e.g. "mp3" or "matroska,webm".</summary>
    public string? FormatName { get; init; }

    public IReadOnlyList<AudioStreamInfo> AudioStreams { get; init; } = [];

    /// <summary>Every stream of the file (audio, video, subtitles, data), in file order.</summary>
    public IReadOnlyList<MediaStreamInfo> Streams { get; init; } = [];

    /// <summary>True when a stream holds moving pictures; cover art (an attached picture) does not count.</summary>
    public bool HasVideo => Streams.Any(s => s.Type == MediaStreamType.Video && !s.AttachedPicture);
}

/// <summary>What a stream carries, from ffprobe's codec_type.</summary>
public enum MediaStreamType
{
    Unknown = 0,
    Audio = 1,
    Video = 2,
    Subtitle = 3,
    Data = 4,
    Attachment = 5,
}

/// <summary>One stream of a media file, of any type. Fields that do not apply to the type are null.</summary>
public sealed record MediaStreamInfo
{
    /// <summary>The stream's index in the file (ffprobe's "index").</summary>
    public int Index { get; init; }

    public MediaStreamType Type { get; init; }

    public string? Codec { get; init; }

    public string? Language { get; init; }

    public TimeSpan? Duration { get; init; }

    public int? Channels { get; init; }

    public int? SampleRate { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    /// <summary>Average frames per second (e.g. 29.97); null when ffprobe does not know it.</summary>
    public double? FrameRate { get; init; }

    /// <summary>A still image stored as a "video" stream: cover art in MP3, FLAC or M4A.</summary>
    public bool AttachedPicture { get; init; }
}

/// <summary>One audio stream of a media file.</summary>
public sealed record AudioStreamInfo
{
    /// <summary>The stream's index in the file (pass it as <see cref="AudioDecodeOptions.StreamIndex"/>).</summary>
    public int Index { get; init; }

    public string? Codec { get; init; }

    /// <summary>The stream's language tag, if the file has one.</summary>
    public string? Language { get; init; }

    /// <summary>The container marks it as the default track (disposition "default").</summary>
    public bool IsDefault { get; init; }

    public int Channels { get; init; }

    public int SampleRate { get; init; }

    public TimeSpan? Duration { get; init; }
}
