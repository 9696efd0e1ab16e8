namespace MediaTagger.Core;

/// <summary>
/// Where the product finds its catalog, models and the offline mirror. Each is overridable by environment
/// variable; the defaults suit a repository checkout (models/ and ../shared/models beside it).
/// </summary>
public static class ProductPaths
{
    /// <summary>The folder holding models/catalog.json: MEDIATAGGER_HOME, else the nearest one above the application.</summary>
    public static string Home
    {
        get
        {
            if (Environment.GetEnvironmentVariable("MEDIATAGGER_HOME") is { Length: > 0 } home)
            {
                return Path.GetFullPath(home);
            }

            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "models", "catalog.json")))
                    {
                        return dir.FullName;
                    }
                }
            }

            return Directory.GetCurrentDirectory();
        }
    }

    public static string CatalogPath => Path.Combine(Home, "models", "catalog.json");

    /// <summary>Models the user added (`models add`): models/user-catalog.json beside <see cref="CatalogPath"/>, never part of the product.</summary>
    public static string UserCatalogPath => Models.ModelCatalog.UserCatalogBeside(CatalogPath);

    /// <summary>Installed weights: MEDIATAGGER_MODEL_DIR, else models/ under <see cref="Home"/>.</summary>
    public static string ModelDirectory =>
        Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_DIR") is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(Home, "models");

    /// <summary>An offline mirror: MEDIATAGGER_MODEL_MIRROR, else ../shared/models beside <see cref="Home"/> when it exists.</summary>
    public static string? ModelMirror
    {
        get
        {
            if (Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_MIRROR") is { Length: > 0 } mirror)
            {
                return Path.GetFullPath(mirror);
            }

            var beside = Path.GetFullPath(Path.Combine(Home, "..", "shared", "models"));
            return Directory.Exists(beside) ? beside : null;
        }
    }
}
