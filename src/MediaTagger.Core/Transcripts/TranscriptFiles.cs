using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Sidecars;

namespace MediaTagger.Core.Transcripts;

/// <summary>
/// The subtitle and text files of an audio or video file's transcript: &lt;media&gt;.srt, .vtt and .txt, placed like
/// its sidecar (beside or mirrored) and written atomically, for the formats outputs.formats turns on. The sidecar's
/// "outputs" records which were written (file names in the sidecar's folder), so a rerun without a transcript and a
/// removed media file take them away again.
/// </summary>
public sealed class TranscriptFiles
{
    /// <summary>The outputs.formats names this class writes, in the order they are written and recorded.</summary>
    public static readonly IReadOnlyList<string> Formats = ["srt", "vtt", "txt"];

    private readonly SidecarWriter sidecars;
    private readonly string[] enabled;

    public TranscriptFiles(SidecarWriter sidecars, OutputOptions options)
    {
        this.sidecars = sidecars;
        enabled = Formats.Where(f => options.EffectiveFormats.Contains(f, StringComparer.Ordinal)).ToArray();
    }

    /// <summary>
    /// Writes the enabled files when the media is audio or video and the sidecar carries a transcript; returns each
    /// written format with its full path (none: nothing was written).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Write(string mediaPath, MediaKind kind, JsonObject sidecar)
    {
        if (kind is not (MediaKind.Audio or MediaKind.Video) || enabled.Length == 0 || Transcript.FromSidecar(sidecar) is not { } transcript)
        {
            return [];
        }

        var written = new List<KeyValuePair<string, string>>(enabled.Length);
        foreach (var format in enabled)
        {
            var content = format switch
            {
                "srt" => Subtitles.ToSrt(transcript.Segments),
                "vtt" => Subtitles.ToVtt(transcript.Segments),
                _ => Subtitles.ToText(transcript.Segments),
            };
            written.Add(KeyValuePair.Create(format, sidecars.WriteDerived(mediaPath, "." + format, content)));
        }

        return written;
    }

    /// <summary>The sidecar's "outputs" value for what <see cref="Write"/> returned: file names beside the sidecar.</summary>
    public static JsonObject Record(IEnumerable<KeyValuePair<string, string>> written) =>
        new(written.Select(w => KeyValuePair.Create(w.Key, (JsonNode?)Path.GetFileName(w.Value))));

    /// <summary>
    /// The files an existing sidecar says were written for it. Only bare file names that are this worker's outputs
    /// count, so an edited sidecar cannot point the worker at someone else's file.
    /// </summary>
    public IReadOnlyList<string> RecordedIn(string sidecarPath)
    {
        try
        {
            if (!File.Exists(sidecarPath) || JsonNode.Parse(File.ReadAllText(sidecarPath))?["outputs"] is not JsonObject outputs)
            {
                return [];
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(sidecarPath))!;
            return outputs
                .Select(o => o.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null)
                .Where(name => !string.IsNullOrEmpty(name) && Path.GetFileName(name) == name && name is not ("." or ".."))
                .Select(name => Path.Combine(folder, name!))
                .Where(sidecars.IsOwnOutput)
                .ToArray();
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return []; // a sidecar that cannot be read records nothing
        }
    }

    /// <summary>Where the transcript files of a media file go under the current placement, whether or not they exist.</summary>
    public IEnumerable<string> PathsFor(string mediaPath) => Formats.Select(f => sidecars.SidecarPath(mediaPath, "." + f));

    /// <summary>Deletes those of <paramref name="paths"/> that exist and are this worker's outputs.</summary>
    public void Delete(IEnumerable<string> paths)
    {
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            if (sidecars.IsOwnOutput(path) && File.Exists(path))
            {
                File.Delete(path);
            }
        }
    }
}
