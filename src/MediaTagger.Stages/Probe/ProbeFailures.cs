using System.Text;

namespace MediaTagger.Stages.Probe;

/// <summary>A reason a file could not be probed, in the user's words, and whether trying again later may help.</summary>
internal readonly record struct ProbeFailure(string Message, bool Transient);

/// <summary>Turns file-system exceptions into <see cref="ProbeFailure"/>s.</summary>
internal static class ProbeFailures
{
    public const string Deleted = "file was deleted before it could be read";

    /// <summary>
    /// For an exception from opening or reading <paramref name="path"/>. .NET on Unix puts the raw errno in
    /// <see cref="Exception.HResult"/> of an <see cref="IOException"/>; on Windows it is an HRESULT.
    /// </summary>
    public static ProbeFailure FromIo(Exception exception, string path) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => new(Missing(path), false),
        UnauthorizedAccessException when Directory.Exists(path) => new("this is a folder, not a file", false),
        UnauthorizedAccessException => new("permission denied: the worker may not read this file (check its owner and mode)", false),
        PathTooLongException => new($"the path is too long for this system ({Encoding.UTF8.GetByteCount(path)} bytes)", false),
        IOException io when IsSymlinkLoop(io) => new("symbolic link loop: following the links never reaches a file", false),
        IOException io when IsTransient(io) => new($"the file is busy or temporarily unreadable, will retry: {io.Message}", true),
        IOException io => new($"cannot read the file: {io.Message}", false),
        _ => new($"cannot read the file: {exception.Message}", false),
    };

    /// <summary>Sharing violations, locks, EAGAIN/EBUSY and friends: states that pass on their own.</summary>
    public static bool IsTransient(IOException exception)
    {
        var code = exception.HResult;
        if (OperatingSystem.IsWindows())
        {
            // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION as HRESULTs.
            return (uint)code is 0x80070020 or 0x80070021;
        }

        return OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()
            ? code is 4 or 16 or 23 or 24 or 26 or 35 or 60 or 70 or 77   // EINTR EBUSY ENFILE EMFILE ETXTBSY EAGAIN ETIMEDOUT ESTALE ENOLCK
            : code is 4 or 11 or 16 or 23 or 24 or 26 or 37 or 110 or 116; // EINTR EAGAIN EBUSY ENFILE EMFILE ETXTBSY ENOLCK ETIMEDOUT ESTALE
    }

    private static bool IsSymlinkLoop(IOException exception) =>
        !OperatingSystem.IsWindows() && exception.HResult == (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 62 : 40); // ELOOP

    /// <summary>A dangling symbolic link is not a deleted file: say where it points.</summary>
    private static string Missing(string path)
    {
        try
        {
            if (new FileInfo(path).LinkTarget is { } target)
            {
                return $"symbolic link points to a file that does not exist ({target})";
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Deleted;
    }
}
