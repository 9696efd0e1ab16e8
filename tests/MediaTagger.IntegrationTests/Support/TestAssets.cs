using MediaTagger.Native;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>
/// Finds ../shared (models and media) and the native folder. Missing assets skip the test with a message
/// naming what is missing, except when MEDIATAGGER_REQUIRE_ASSETS=1 (CI), where a missing asset fails it so a
/// path mistake can never turn into silent skips.
/// </summary>
public static class TestAssets
{
    public static bool Required => Environment.GetEnvironmentVariable("MEDIATAGGER_REQUIRE_ASSETS") == "1";

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>MEDIATAGGER_SHARED_DIR, else ../shared beside the repository.</summary>
    public static string SharedDirectory =>
        Environment.GetEnvironmentVariable("MEDIATAGGER_SHARED_DIR") is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Model(string relative) => Require(Path.Combine(SharedDirectory, "models", relative), "model");

    public static string Media(string relative) => Require(Path.Combine(SharedDirectory, "media", relative), "media file");

    /// <summary>Skips (or fails, in CI) unless the native engines were set up.</summary>
    public static string RequireNative(string engineSubfolder)
    {
        var dir = NativeLibraries.NativeDirectory;
        var path = dir is null ? null : Path.Combine(dir, engineSubfolder);
        if (path is null || !Directory.Exists(path))
        {
            Missing($"native engines not set up ({path ?? ".native"} is missing): {NativeLibraries.SetupHint}");
        }

        return path!;
    }

    public static void RequireVips()
    {
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/libvips.so.42") && !File.Exists("/usr/lib/aarch64-linux-gnu/libvips.so.42"))
        {
            Missing("libvips42 is not installed: apt-get install libvips42 (eng/setup-native.sh does it)");
        }
    }

    public static void RequireTool(string tool)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));
        if (!found)
        {
            Missing($"{tool} is not on PATH: apt-get install {(tool.StartsWith("ff", StringComparison.Ordinal) ? "ffmpeg" : tool)}");
        }
    }

    private static string Require(string path, string what)
    {
        if (!File.Exists(path))
        {
            Missing($"{what} {path} is missing (../shared not beside the repository? set MEDIATAGGER_SHARED_DIR)");
        }

        return path;
    }

    private static void Missing(string message)
    {
        if (Required)
        {
            throw new InvalidOperationException("MEDIATAGGER_REQUIRE_ASSETS=1 but " + message);
        }

        throw new SkipException(message);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MediaTagger.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MediaTagger.sln not found above " + AppContext.BaseDirectory);
    }
}
