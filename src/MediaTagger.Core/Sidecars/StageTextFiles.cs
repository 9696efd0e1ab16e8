using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;

namespace MediaTagger.Core.Sidecars;

/// <summary>
/// Text files a stage asks for beside an image's sidecar, such as the booru stage's kohya caption "photo.txt". A
/// stage's result carries <c>"textFile": {"name", "text", "existing", "separator"}</c>; when the sidecar is published
/// the file is written (atomically) into the sidecar's folder, beside or mirrored. Only a name made of the image's
/// own name is accepted: "&lt;stem&gt;.txt" or "&lt;name&gt;.txt" (also ".caption"), never a path.
/// <para>A file there that this worker wrote before (the previous sidecar's "outputs" names it) is replaced. Any other
/// file is the user's: "keep" leaves it alone, "overwrite" replaces it, "append" adds the tags it lacks (split at the
/// separator). A file the worker wrote whole is recorded in the sidecar's "outputs" under the stage's name, so it is
/// replaced on the next run and deleted with the image; a kept or appended file is the user's and is never deleted.</para>
/// </summary>
public sealed class StageTextFiles
{
    /// <summary>The key of a stage result that asks for a text file.</summary>
    public const string ResultKey = "textFile";

    private static readonly string[] Extensions = [".txt", ".caption"];
    private readonly SidecarWriter sidecars;

    public StageTextFiles(SidecarWriter sidecars) => this.sidecars = sidecars;

    /// <summary>
    /// Writes what the stages of an image's sidecar ask for; returns (stage, full path) for each file written whole,
    /// which the sidecar's "outputs" then records. <paramref name="previous"/>: the files the last sidecar recorded.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Write(string mediaPath, MediaKind kind, JsonObject sidecar, IReadOnlyCollection<string> previous)
    {
        if (kind != MediaKind.Image || sidecar["stages"] is not JsonObject stages)
        {
            return [];
        }

        var written = new List<KeyValuePair<string, string>>();
        foreach (var (stage, node) in stages)
        {
            if (node is not JsonObject result || result[ResultKey] is not JsonObject request || Str(request["name"]) is not { } name || Str(request["text"]) is not { } text
                || !IsNameFor(mediaPath, name))
            {
                continue;
            }

            var target = Path.Combine(Path.GetDirectoryName(sidecars.SidecarPath(mediaPath))!, name);
            if (string.Equals(target, sidecars.SidecarPath(mediaPath), StringComparison.Ordinal))
            {
                continue;
            }

            var ours = previous.Contains(target, StringComparer.Ordinal);
            var existing = Str(request["existing"]) ?? "keep";
            if (!ours && File.Exists(target))
            {
                if (existing == "keep")
                {
                    continue;
                }

                if (existing == "append")
                {
                    SidecarWriter.WriteAtomically(target, Append(File.ReadAllText(target), text, Str(request["separator"]) ?? ", "));
                    continue;
                }
            }

            SidecarWriter.WriteAtomically(target, text + "\n");
            written.Add(KeyValuePair.Create(stage, target));
        }

        return written;
    }

    /// <summary>
    /// The stage text files an existing sidecar of <paramref name="mediaPath"/> records in its "outputs": those whose
    /// name is one a stage may ask for, in the sidecar's folder. Anything else recorded there is not this class's.
    /// </summary>
    public static IReadOnlyList<string> RecordedIn(string mediaPath, string sidecarPath)
    {
        try
        {
            if (!File.Exists(sidecarPath) || JsonNode.Parse(File.ReadAllText(sidecarPath))?["outputs"] is not JsonObject outputs)
            {
                return [];
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(sidecarPath))!;
            return outputs
                .Select(o => Str(o.Value))
                .Where(name => name is not null && IsNameFor(mediaPath, name))
                .Select(name => Path.Combine(folder, name!))
                .ToArray();
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>Deletes those of <paramref name="paths"/> that exist (each came from <see cref="RecordedIn"/> or <see cref="Write"/>).</summary>
    public static void Delete(IEnumerable<string> paths)
    {
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>True for "&lt;stem&gt;.txt" and "&lt;name&gt;.txt" (or .caption) of the media file, and nothing else.</summary>
    public static bool IsNameFor(string mediaPath, string name)
    {
        if (Path.GetFileName(name) != name || name is "." or "..")
        {
            return false;
        }

        var media = Path.GetFileName(mediaPath);
        var stem = Path.GetFileNameWithoutExtension(mediaPath);
        return Extensions.Any(e => name == media + e || (stem.Length > 0 && stem != media && name == stem + e));
    }

    /// <summary>The existing caption with the new tags it lacks added at its end.</summary>
    internal static string Append(string existing, string text, string separator)
    {
        var trimmedSeparator = separator.Trim();
        var split = trimmedSeparator.Length > 0 ? trimmedSeparator : separator;
        var have = existing.Split(split, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var tag in text.Split(split, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!have.Contains(tag, StringComparer.Ordinal))
            {
                have.Add(tag);
            }
        }

        return string.Join(separator, have) + "\n";
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
