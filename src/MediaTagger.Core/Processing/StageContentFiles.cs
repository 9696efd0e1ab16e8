using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.Journal;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Core.Processing;

/// <summary>
/// Deletes the files stages keep for media files (<see cref="StageContent"/>): those an item's results name when the
/// item is removed or processed again, and at start-up whatever lies under a stage's folder that no live item's
/// result names. Only files under a stage's declared folder are ever deleted, whatever a result says.
/// </summary>
public sealed partial class StageContentFiles
{
    private readonly Dictionary<string, StageContent> byStage = new(StringComparer.Ordinal);
    private readonly ILogger logger;

    public StageContentFiles(IEnumerable<StageContent> contents, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(contents);
        foreach (var content in contents)
        {
            byStage[content.Stage] = content with { Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(content.Root)) };
        }

        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>No stage keeps files: nothing to delete.</summary>
    public static StageContentFiles None { get; } = new([], NullLogger.Instance);

    /// <summary>True when some stage keeps files, so an item's earlier results are worth reading before they are replaced.</summary>
    public bool Any => byStage.Count > 0;

    /// <summary>
    /// Deletes the files that the results of <paramref name="tasks"/> (one media file's) name, and folders left empty
    /// by it. I/O failures are logged, never thrown: the start-up sweep tries again. Returns the files deleted.
    /// </summary>
    public int Release(string mediaPath, IEnumerable<TaskRecord> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var deleted = 0;
        foreach (var task in tasks)
        {
            if (task.ResultJson is not null && byStage.TryGetValue(task.Stage, out var content))
            {
                deleted += Delete(content, FilesOf(content, task.ResultJson));
            }
        }

        if (deleted > 0)
        {
            LogReleased(logger, deleted, mediaPath);
        }

        return deleted;
    }

    /// <summary>
    /// At start-up, before any stage runs: deletes every file under each stage's folder that no result of a live item
    /// names (removed, ignored, or whose media file is gone: deleted while the worker was down), then the empty
    /// folders. Returns the files deleted.
    /// </summary>
    public int Sweep(IJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var total = 0;
        foreach (var content in byStage.Values)
        {
            if (!Directory.Exists(content.Root))
            {
                continue;
            }

            var live = journal.ResultsOf(content.Stage)
                .Where(r => r.ItemState is not (ItemState.Removed or ItemState.Ignored) && File.Exists(r.Path))
                .SelectMany(r => FilesOf(content, r.ResultJson))
                .ToHashSet(StringComparer.Ordinal);
            var stale = Directory.EnumerateFiles(content.Root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .Where(f => !live.Contains(f))
                .ToArray();
            var deleted = Delete(content, stale);
            foreach (var folder in Directory.EnumerateDirectories(content.Root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .OrderByDescending(d => d.Length))
            {
                DeleteIfEmpty(folder);
            }

            if (deleted > 0)
            {
                LogSwept(logger, deleted, content.Stage, content.Root);
            }

            total += deleted;
        }

        return total;
    }

    /// <summary>The files a stored result names, as full paths, keeping only those under the stage's folder.</summary>
    private static string[] FilesOf(StageContent content, string resultJson)
    {
        JsonObject? result;
        try
        {
            result = JsonNode.Parse(resultJson) as JsonObject;
        }
        catch (JsonException)
        {
            return [];
        }

        if (result is null)
        {
            return [];
        }

        var prefix = content.Root + Path.DirectorySeparatorChar;
        return content.FilesOf(result)
            .Where(f => Path.IsPathFullyQualified(f))
            .Select(Path.GetFullPath)
            .Where(f => f.StartsWith(prefix, StringComparison.Ordinal))
            .ToArray();
    }

    private int Delete(StageContent content, IEnumerable<string> files)
    {
        var deleted = 0;
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            try
            {
                if (File.Exists(file))
                {
                    File.Delete(file);
                    deleted++;
                }

                folders.Add(Path.GetDirectoryName(file)!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogDeleteFailed(logger, file, content.Stage, ex.Message);
            }
        }

        // Folders the files leave empty, up to (not including) the stage's folder.
        var prefix = content.Root + Path.DirectorySeparatorChar;
        foreach (var start in folders)
        {
            var folder = start;
            while (folder.StartsWith(prefix, StringComparison.Ordinal) && DeleteIfEmpty(folder))
            {
                folder = Path.GetDirectoryName(folder)!;
            }
        }

        return deleted;
    }

    private static bool DeleteIfEmpty(string folder)
    {
        try
        {
            if (!Directory.Exists(folder) || Directory.EnumerateFileSystemEntries(folder).Any())
            {
                return false;
            }

            Directory.Delete(folder);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // refilled meanwhile, or not ours to delete: the next sweep looks again
        }
    }

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Deleted {Count} file(s) that stages kept for {Path}")]
    private static partial void LogReleased(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Cannot delete {File}, kept by stage {Stage} (the next start-up sweep tries again): {Reason}")]
    private static partial void LogDeleteFailed(ILogger logger, string file, string stage, string reason);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Start-up sweep deleted {Count} file(s) of stage {Stage} in {Root} that no live media file names")]
    private static partial void LogSwept(ILogger logger, int count, string stage, string root);
}
