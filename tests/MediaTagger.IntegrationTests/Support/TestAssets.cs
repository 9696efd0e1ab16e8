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

    /// <summary>
    /// The first of <paramref name="ids"/> (catalog ids, best first) whose <paramref name="role"/> file is installed in
    /// the model folder (MEDIATAGGER_MODEL_DIR, else models/) or the mirror (MEDIATAGGER_MODEL_MIRROR, else the shared
    /// models); otherwise a skip naming what was looked for and <paramref name="install"/>. Real weights are a download
    /// the test environment need not have, so their absence is never a set-up failure.
    /// </summary>
    public static (MediaTagger.Core.Models.ModelEntry Model, string Path) InstalledModel(IEnumerable<string> ids, string role, string what, string install)
    {
        var catalog = MediaTagger.Core.Models.ModelCatalog.Load(Path.Combine(RepoRoot, "models", "catalog.json"));
        var modelDirectory = Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoRoot, "models");
        var mirror = Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_MIRROR") is { Length: > 0 } m ? m : Path.Combine(SharedDirectory, "models");
        var store = new MediaTagger.Core.Models.ModelStore(modelDirectory, mirror);
        var candidates = ids.ToList();
        foreach (var id in candidates)
        {
            var model = catalog[id];
            if (store.Resolve(model, model.File(role)) is { Found: true } found)
            {
                return (model, found.Path!);
            }
        }

        throw new SkipException($"no {what} is installed (looked for {string.Join(", ", candidates)} in {modelDirectory} and {mirror}); install one with: {install}");
    }

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
