using System.Text;
using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;

namespace MediaTagger.Core.Sidecars;

/// <summary>
/// Where sidecars go and how they are written: a temp file in the same folder, flushed to disk, then renamed over
/// the target, so a reader sees either the old sidecar or the new one, never a partial file. Also the rule that
/// tells the watcher which files are the worker's own outputs.
/// </summary>
public sealed partial class SidecarWriter
{
    /// <summary>Marks the worker's temp files; the watcher ignores them.</summary>
    public const string TempMarker = ".mt-tmp-";

    private static readonly string[] OwnSuffixes = [".json", ".txt", ".srt", ".vtt", ".caption"];
    private readonly OutputOptions options;
    private readonly string? mirrorRoot;
    private readonly IReadOnlyList<string> watchRoots;

    public SidecarWriter(OutputOptions options, IReadOnlyList<string> watchRoots, string baseDirectory)
    {
        this.options = options;
        this.watchRoots = watchRoots.Select(r => Path.GetFullPath(r, baseDirectory)).ToArray();
        mirrorRoot = options.Sidecar == "mirror" && options.MirrorRoot is { } m ? Path.GetFullPath(m, baseDirectory) : null;
    }

    /// <summary>&lt;file&gt;.json beside the media, or the same relative path under the mirror root.</summary>
    public string SidecarPath(string mediaPath, string extension = ".json")
    {
        var full = Path.GetFullPath(mediaPath);
        if (mirrorRoot is null)
        {
            return Fit(full, extension);
        }

        var root = watchRoots.FirstOrDefault(r => full.StartsWith(r.TrimEnd('/') + "/", StringComparison.Ordinal));
        var relative = root is null ? full.TrimStart('/') : Path.GetRelativePath(root, full);
        return Fit(Path.Combine(mirrorRoot, relative), extension);
    }

    /// <summary>
    /// "&lt;name&gt;&lt;extension&gt;", unless that exceeds the 255-byte file-name limit: then the name is cut and a hash of
    /// the whole name keeps it unique ("&lt;cut&gt;~&lt;hash&gt;.json"), so a file with a maximal name still gets its sidecar.
    /// </summary>
    private static string Fit(string path, string extension)
    {
        const int MaxNameBytes = 255;
        var name = Path.GetFileName(path);
        if (Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(extension) + TempMarker.Length + 10 <= MaxNameBytes)
        {
            return path + extension;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];
        var budget = MaxNameBytes - Encoding.UTF8.GetByteCount(extension) - TempMarker.Length - 10 - hash.Length - 1;
        var cut = new StringBuilder();
        foreach (var rune in name.EnumerateRunes())
        {
            if (Encoding.UTF8.GetByteCount(cut.ToString() + rune) > budget)
            {
                break;
            }

            cut.Append(rune.ToString());
        }

        return Path.Combine(Path.GetDirectoryName(path)!, $"{cut}~{hash}{extension}");
    }

    /// <summary>True for files this writer produces (sidecars, derived formats, temp files): they never trigger work.</summary>
    public bool IsOwnOutput(string path)
    {
        var name = Path.GetFileName(path);
        if (name.Contains(TempMarker, StringComparison.Ordinal))
        {
            return true;
        }

        var full = Path.GetFullPath(path);
        if (mirrorRoot is not null)
        {
            return full.StartsWith(mirrorRoot.TrimEnd('/') + "/", StringComparison.Ordinal);
        }

        var suffix = OwnSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
        // "photo.jpg.json" is ours; a user's "notes.json" (no media extension inside) is not.
        return suffix is not null && (Path.HasExtension(name[..^suffix.Length]) || ShortenedName().IsMatch(name));
    }

    public string Write(string mediaPath, JsonObject sidecar)
    {
        var target = SidecarPath(mediaPath);
        WriteAtomically(target, sidecar.ToJsonString(SidecarDocument.WriteOptions) + "\n");
        return target;
    }

    /// <summary>Writes a derived format (kohya .txt, .srt, ...) beside the sidecar, atomically too.</summary>
    public string WriteDerived(string mediaPath, string extension, string content)
    {
        var target = SidecarPath(mediaPath, extension);
        WriteAtomically(target, content);
        return target;
    }

    public static void WriteAtomically(string target, string content)
    {
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var prefix = "." + Path.GetFileName(target) + TempMarker;
        // A process killed between write and rename leaves its temp file; the next write of that sidecar removes it.
        foreach (var stale in Directory.EnumerateFiles(directory, prefix + "*"))
        {
            File.Delete(stale);
        }

        var temp = Path.Combine(directory, prefix + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("~[0-9a-f]{12}\\.[a-z]+$")]
    private static partial System.Text.RegularExpressions.Regex ShortenedName();
}
