namespace MediaTagger.Core.MediaFiles;

/// <summary>What a file is, decided from its content (magic bytes), never from its extension alone.</summary>
public enum MediaKind
{
    Unknown = 0,
    Image = 1,
    Audio = 2,
    Video = 3,
}

/// <summary>A detected container format: kind, short name ("jpeg", "mp4") and MIME type.</summary>
public sealed record MediaType(MediaKind Kind, string Format, string Mime)
{
    public static MediaType Unknown { get; } = new(MediaKind.Unknown, "unknown", "application/octet-stream");
}
