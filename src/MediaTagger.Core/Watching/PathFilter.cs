using MediaTagger.Core.Configuration;

namespace MediaTagger.Core.Watching;

/// <summary>
/// Decides which paths under one watch root are worth processing: the entry's include/exclude globs (relative to the
/// root, see <see cref="Glob"/> for the syntax), its recursion setting, and names that are never media: temporary
/// downloads and copies (<c>*.part</c>, <c>*.crdownload</c>, <c>*.tmp</c>, Office's <c>~$*</c>), dot-files, anything
/// inside a dot-folder, and the worker's own temporary files and outputs.
/// </summary>
public sealed class PathFilter
{
    /// <summary>
    /// The suffix of the worker's own temporary files (a sidecar before its rename into place). It ends in .tmp, so
    /// it is ignored like any other temporary name; it is named here so the writer and the filter agree.
    /// </summary>
    public const string WorkerTempSuffix = ".mediatagger.tmp";

    // Browsers, download managers and copy tools write under these names and rename when done.
    private static readonly string[] TemporarySuffixes = [".part", ".partial", ".filepart", ".crdownload", ".tmp"];

    private readonly Func<string, bool> isOwnOutput;
    private readonly Glob[] include;
    private readonly Glob[] exclude;
    private readonly bool recursive;
    private readonly string rootPrefix;

    /// <param name="entry">The watch folder; its path is made absolute.</param>
    /// <param name="isOwnOutput">True for a path the worker itself writes (a sidecar), so its writes never trigger work.</param>
    /// <exception cref="ArgumentException">A pattern is malformed; the message lists every problem.</exception>
    public PathFilter(WatchEntry entry, Func<string, bool> isOwnOutput)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(isOwnOutput);
        var problems = Validate(entry);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The watch entry for '{entry.Path}' is invalid: {string.Join("; ", problems)}", nameof(entry));
        }

        Root = NormalizeRoot(entry.Path);

        // "/" already ends in a separator; every other root gets one, so "/media/photos2" is not under "/media/photos".
        rootPrefix = Path.EndsInDirectorySeparator(Root) ? Root : Root + Path.DirectorySeparatorChar;
        this.isOwnOutput = isOwnOutput;
        recursive = entry.Recursive;
        include = [.. entry.Include.Select(Glob.Parse)];
        exclude = [.. entry.Exclude.Select(Glob.Parse)];
    }

    /// <summary>The absolute watch folder, without a trailing separator.</summary>
    public string Root { get; }

    /// <summary>Every problem with the entry's path and patterns (empty when it is usable), for options validation.</summary>
    public static IReadOnlyList<string> Validate(WatchEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(entry.Path))
        {
            problems.Add("path is empty");
        }

        foreach (var (list, name) in new[] { (entry.Include, "include"), (entry.Exclude, "exclude") })
        {
            foreach (var pattern in list)
            {
                try
                {
                    Glob.Parse(pattern);
                }
                catch (FormatException ex)
                {
                    problems.Add($"{name} pattern '{pattern}': {ex.Message}");
                }
            }
        }

        return problems;
    }

    /// <summary>True when the name is one that copy and download tools use while a file is still incomplete.</summary>
    public static bool IsTemporaryName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (fileName.StartsWith("~$", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var suffix in TemporarySuffixes)
        {
            if (fileName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a file at this absolute path should be processed.</summary>
    public bool Accepts(string fullPath)
    {
        var segments = RelativeSegments(fullPath);
        return segments is not null && !IsIgnored(segments, fullPath) && (include.Length == 0 || AnyMatch(include, segments));
    }

    /// <summary>
    /// True when a path that is gone (file or folder; it can no longer be told which) deserves a Removed signal. The
    /// include patterns are not applied, since a gone folder would never match a file pattern.
    /// </summary>
    public bool AcceptsRemoval(string fullPath)
    {
        var segments = RelativeSegments(fullPath);
        return segments is not null && !IsIgnored(segments, fullPath);
    }

    /// <summary>True when a scan should descend into this folder (the root itself always qualifies).</summary>
    public bool ShouldEnter(string directoryFullPath)
    {
        if (IsRoot(directoryFullPath))
        {
            return true;
        }

        var segments = RelativeSegments(directoryFullPath);
        if (segments is null || !recursive)
        {
            return false;
        }

        foreach (var segment in segments)
        {
            if (segment.StartsWith('.'))
            {
                return false;
            }
        }

        return !IsExcludedOrUnder(segments);
    }

    private bool IsIgnored(string[] segments, string fullPath)
    {
        if (!recursive && segments.Length > 1)
        {
            return true;
        }

        foreach (var segment in segments)
        {
            // Dot-files and everything inside dot-folders (.git, .thumbnails, the worker's own .mediatagger).
            if (segment.StartsWith('.'))
            {
                return true;
            }
        }

        return IsTemporaryName(segments[^1]) || IsExcludedOrUnder(segments) || isOwnOutput(fullPath);
    }

    /// <summary>An exclude pattern naming a folder excludes everything under it too.</summary>
    private bool IsExcludedOrUnder(string[] segments)
    {
        for (var length = 1; length <= segments.Length; length++)
        {
            if (AnyMatch(exclude, segments.AsSpan(0, length)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyMatch(Glob[] globs, ReadOnlySpan<string> segments)
    {
        foreach (var glob in globs)
        {
            if (glob.IsMatch(segments))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsRoot(string path) => string.Equals(Path.TrimEndingDirectorySeparator(path), Root, StringComparison.Ordinal);

    /// <summary>The path's folders and name below the root, or null when it is the root or outside it.</summary>
    private string[]? RelativeSegments(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        if (fullPath.Length <= rootPrefix.Length || !fullPath.StartsWith(rootPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var relative = fullPath.AsSpan(rootPrefix.Length).TrimEnd(Path.DirectorySeparatorChar).ToString();
        return relative.Length == 0 ? null : relative.Split(SegmentSeparators, StringSplitOptions.RemoveEmptyEntries);
    }

    private static readonly char[] SegmentSeparators = Path.DirectorySeparatorChar == '/' ? ['/'] : ['/', '\\'];

    internal static string NormalizeRoot(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
