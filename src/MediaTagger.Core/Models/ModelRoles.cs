namespace MediaTagger.Core.Models;

/// <summary>One set of files a stage family can run: the roles it reads, and those it reads when present.</summary>
/// <param name="Name">What this layout is, where a family has several (WD14, DeepDanbooru); empty otherwise.</param>
public sealed record ModelLayout(string Name, IReadOnlyList<string> Required, IReadOnlyList<string> Optional)
{
    public bool Accepts(IReadOnlyCollection<string> roles) =>
        Required.All(roles.Contains) && roles.All(r => Required.Contains(r) || Optional.Contains(r));

    public override string ToString() =>
        string.Join(", ", Required.Concat(Optional.Select(o => $"[{o}]"))) + (Name.Length > 0 ? $" ({Name})" : "");
}

/// <summary>
/// The file roles a stage family's stages read from a catalog model (its <c>files["vision"]</c> and so on): what
/// `models add` checks a user's files against, so an entry that would fail when the stage starts is refused up front.
/// </summary>
public sealed class ModelRoles
{
    public ModelRoles(params ModelLayout[] layouts)
    {
        if (layouts.Length == 0)
        {
            throw new ArgumentException("a family that runs a model reads at least one layout of files", nameof(layouts));
        }

        Layouts = layouts;
    }

    public IReadOnlyList<ModelLayout> Layouts { get; }

    /// <summary>A family with one layout: <paramref name="required"/> roles, and <paramref name="optional"/> ones.</summary>
    public static ModelRoles Of(IReadOnlyList<string> required, params string[] optional) => new(new ModelLayout("", required, optional));

    /// <summary>Null when the roles make a layout this family runs; else what is wrong, listing the expected roles.</summary>
    public string? Problem(string family, IReadOnlyCollection<string> roles)
    {
        if (Layouts.Any(l => l.Accepts(roles)))
        {
            return null;
        }

        var known = Layouts.SelectMany(l => l.Required.Concat(l.Optional)).ToHashSet(StringComparer.Ordinal);
        var unknown = roles.Where(r => !known.Contains(r)).ToArray();
        // The layout the user most likely meant: the one sharing most roles with what was given.
        var nearest = Layouts.MaxBy(l => l.Required.Concat(l.Optional).Count(roles.Contains))!;
        var missing = nearest.Required.Where(r => !roles.Contains(r)).ToArray();
        var what = new List<string>();
        if (unknown.Length > 0)
        {
            what.Add($"unknown role{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown)}");
        }

        if (missing.Length > 0)
        {
            what.Add($"missing role{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}");
        }

        if (what.Count == 0)
        {
            what.Add("roles of different layouts mixed");
        }

        var optional = Layouts.Any(l => l.Optional.Count > 0) ? " ([role]: optional)" : "";
        return $"family {family}: {string.Join("; ", what)}. Expected roles: {Describe()}{optional}";
    }

    /// <summary>The expected roles, layouts separated by " or ".</summary>
    public string Describe() => string.Join(" or ", Layouts.Select(l => l.ToString()));
}
