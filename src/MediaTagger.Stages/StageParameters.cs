using System.Globalization;
using System.Numerics;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages;

/// <summary>
/// The "with" keys of one stage family: how each value is read into the family's options and the range it must be
/// in. Keys match regardless of case, as the rest of pipelines.json does; values are read with the invariant culture.
/// Every problem is gathered, so a user fixes a definition in one go.
/// </summary>
internal sealed class StageParameters<TOptions>
    where TOptions : class
{
    private readonly string stage;
    private readonly List<Parameter> parameters = [];
    private readonly List<(string Key, Func<TOptions, string?> Check)> rules = [];

    public StageParameters(string stage) => this.stage = stage;

    /// <summary>The keys as documented, in declaration order.</summary>
    public IEnumerable<string> Keys => parameters.Select(p => p.Key);

    /// <summary>A non-empty string, such as a catalog model id.</summary>
    public StageParameters<TOptions> Text(string key, Func<TOptions, string> get, Action<TOptions, string> set) => Add(
        key,
        (options, text) =>
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return "is empty";
            }

            set(options, text.Trim());
            return null;
        },
        options => string.IsNullOrWhiteSpace(get(options)) ? "is empty" : null);

    /// <summary>A non-empty string that <paramref name="problem"/> accepts (returns null for); its message otherwise.</summary>
    public StageParameters<TOptions> Text(string key, Func<TOptions, string> get, Action<TOptions, string> set, Func<string, string?> problem) => Add(
        key,
        (options, text) =>
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return "is empty";
            }

            if (problem(text.Trim()) is { } message)
            {
                return message;
            }

            set(options, text.Trim());
            return null;
        },
        options => string.IsNullOrWhiteSpace(get(options)) ? "is empty" : problem(get(options).Trim()));

    /// <summary>
    /// A string that may be empty (the empty string means "not set", as for an optional file); when it is not empty,
    /// <paramref name="problem"/> must accept it (return null for it).
    /// </summary>
    public StageParameters<TOptions> OptionalText(string key, Func<TOptions, string> get, Action<TOptions, string> set, Func<string, string?>? problem = null) => Add(
        key,
        (options, text) =>
        {
            var value = text.Trim();
            if (value.Length > 0 && problem?.Invoke(value) is { } message)
            {
                return message;
            }

            set(options, value);
            return null;
        },
        options => get(options).Trim() is { Length: > 0 } value ? problem?.Invoke(value) : null);

    /// <summary>A non-empty string taken as written, spaces and all (a separator such as ", ").</summary>
    public StageParameters<TOptions> Verbatim(string key, Func<TOptions, string> get, Action<TOptions, string> set) => Add(
        key,
        (options, text) => text.Length == 0 ? "is empty" : Apply(options, set, text, null),
        options => get(options).Length == 0 ? "is empty" : null);

    /// <summary>A whole number between <paramref name="min"/> and <paramref name="max"/> (no upper bound when null).</summary>
    public StageParameters<TOptions> Integer<T>(string key, Func<TOptions, T> get, Action<TOptions, T> set, T min, T? max = null)
        where T : struct, IBinaryInteger<T> => Add(
        key,
        (options, text) => !T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? $"'{text}' is not a whole number"
            : Apply(options, set, value, OutOfRange(value, min, max)),
        options => OutOfRange(get(options), min, max));

    /// <summary>A number (a '.' before any decimals) between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public StageParameters<TOptions> Number<T>(string key, Func<TOptions, T> get, Action<TOptions, T> set, T min, T max)
        where T : struct, IFloatingPoint<T> => Add(
        key,
        (options, text) => !T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? $"'{text}' is not a number"
            : Apply(options, set, value, OutOfRange(value, min, max)),
        options => OutOfRange(get(options), min, max));

    /// <summary>A duration written in seconds (a number), held as a <see cref="TimeSpan"/>.</summary>
    public StageParameters<TOptions> Seconds(string key, Func<TOptions, TimeSpan> get, Action<TOptions, TimeSpan> set, double min, double max) => Add(
        key,
        (options, text) => !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? $"'{text}' is not a number of seconds"
            : OutOfRange(value, min, max) is { } problem ? problem : Apply(options, set, TimeSpan.FromSeconds(value), null),
        options => OutOfRange(get(options).TotalSeconds, min, max));

    /// <summary>true or false.</summary>
    public StageParameters<TOptions> Flag(string key, Action<TOptions, bool> set) => Add(
        key,
        (options, text) => !bool.TryParse(text, out var value) ? $"'{text}' is not true or false" : Apply(options, set, value, null),
        _ => null);

    /// <summary>
    /// A check across parameters (one must be below another), reported under <paramref name="key"/>. It runs on the
    /// options once every key of a "with" has been read without a problem, and on options set in code.
    /// </summary>
    public StageParameters<TOptions> Rule(string key, Func<TOptions, string?> check)
    {
        rules.Add((key, check));
        return this;
    }

    /// <summary>Reads <paramref name="with"/> into <paramref name="options"/>; returns every problem under the key as written.</summary>
    public IReadOnlyList<StageParameterProblem> Read(TOptions options, IReadOnlyDictionary<string, string> with)
    {
        var problems = new List<StageParameterProblem>();
        foreach (var (key, text) in with)
        {
            var parameter = parameters.Find(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
            var problem = parameter is null
                ? $"unknown parameter of stage {stage} (it takes {string.Join(", ", Keys)})"
                : parameter.Read(options, text ?? "");
            if (problem is not null)
            {
                problems.Add(new StageParameterProblem(key, problem));
            }
        }

        // A rule over values that did not parse would only repeat their problems.
        if (problems.Count == 0)
        {
            AddRuleProblems(options, problems);
        }

        return problems;
    }

    /// <summary>Every parameter whose current value is out of its range, such as a default set in code.</summary>
    public IReadOnlyList<StageParameterProblem> Problems(TOptions options)
    {
        var problems = new List<StageParameterProblem>();
        foreach (var parameter in parameters)
        {
            if (parameter.Check(options) is { } message)
            {
                problems.Add(new StageParameterProblem(parameter.Key, message));
            }
        }

        if (problems.Count == 0)
        {
            AddRuleProblems(options, problems);
        }

        return problems;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, or does nothing when there is none.</summary>
    public void ThrowIfAny(IReadOnlyList<StageParameterProblem> problems, string what)
    {
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {stage} stage {what}: {string.Join("; ", problems)}.");
        }
    }

    private void AddRuleProblems(TOptions options, List<StageParameterProblem> problems)
    {
        foreach (var (key, check) in rules)
        {
            if (check(options) is { } message)
            {
                problems.Add(new StageParameterProblem(key, message));
            }
        }
    }

    private StageParameters<TOptions> Add(string key, Func<TOptions, string, string?> read, Func<TOptions, string?> check)
    {
        parameters.Add(new Parameter(key, read, check));
        return this;
    }

    private static string? Apply<T>(TOptions options, Action<TOptions, T> set, T value, string? problem)
    {
        if (problem is null)
        {
            set(options, value);
        }

        return problem;
    }

    // Written so that NaN, which compares false with everything, is out of every range.
    private static string? OutOfRange<T>(T value, T min, T? max)
        where T : struct, INumber<T> =>
        value >= min && (max is not { } top || value <= top) ? null
        : max is { } upper ? string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {upper} (is {value})")
        : string.Create(CultureInfo.InvariantCulture, $"must be at least {min} (is {value})");

    /// <param name="Read">Parses a value, checks its range and sets it; returns the problem, or null once set.</param>
    /// <param name="Check">The problem with the value the options hold now, or null.</param>
    private sealed record Parameter(string Key, Func<TOptions, string, string?> Read, Func<TOptions, string?> Check);
}
