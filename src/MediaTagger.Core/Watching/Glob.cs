namespace MediaTagger.Core.Watching;

/// <summary>
/// One glob over '/'-separated paths relative to a watch root: <c>*</c> and <c>?</c> within a name, <c>**</c> as a
/// whole segment for any number of folders, <c>[abc]</c>, <c>[a-z]</c>, <c>[!abc]</c> classes and <c>{jpg,png}</c>
/// alternatives. A pattern without '/' matches a name at any depth (like .gitignore), so <c>*.jpg</c> means every
/// jpg; a leading '/' anchors it at the root; a trailing '/' means the folder and everything under it.
/// Matching ignores case, because <c>*.jpg</c> should find cameras' IMG_0001.JPG.
/// </summary>
/// <remarks>
/// Written here rather than taken from Microsoft.Extensions.FileSystemGlobbing because that matcher has no
/// <c>?</c>, character classes or alternatives.
/// </remarks>
internal sealed class Glob
{
    private readonly Segment[][] alternatives;

    private Glob(string pattern, Segment[][] alternatives)
    {
        Pattern = pattern;
        this.alternatives = alternatives;
    }

    public string Pattern { get; }

    /// <summary>Parses a pattern; throws <see cref="FormatException"/> saying what is wrong with it.</summary>
    public static Glob Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var text = pattern.Trim().Replace('\\', '/');
        if (text.Length == 0)
        {
            throw new FormatException("the pattern is empty");
        }

        var expanded = new List<string>();
        ExpandAlternatives(text, expanded);
        return new Glob(pattern, [.. expanded.Select(ParseOne)]);
    }

    public bool IsMatch(ReadOnlySpan<string> segments)
    {
        foreach (var alternative in alternatives)
        {
            if (MatchSegments(alternative, segments))
            {
                return true;
            }
        }

        return false;
    }

    private static Segment[] ParseOne(string text)
    {
        var anchored = text.StartsWith('/');
        var body = text.Trim('/');
        if (body.Length == 0)
        {
            throw new FormatException("the pattern names no file or folder");
        }

        var parts = body.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Any(p => p is "." or ".."))
        {
            throw new FormatException("'.' and '..' cannot be used; patterns are relative to the watch folder");
        }

        // No '/' inside: the name may be at any depth.
        if (!anchored && parts.Count == 1)
        {
            parts.Insert(0, "**");
        }

        if (text.EndsWith('/'))
        {
            parts.Add("**");
        }

        return [.. parts.Select(ParseSegment)];
    }

    private static Segment ParseSegment(string part)
    {
        if (part == "**")
        {
            return Segment.AnyFolders;
        }

        var tokens = new List<Token>();
        for (var i = 0; i < part.Length; i++)
        {
            var c = part[i];
            switch (c)
            {
                case '*':
                    // "a**b" inside a name means the same as "a*b"; consecutive stars collapse.
                    if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.Star)
                    {
                        tokens.Add(Token.Star);
                    }

                    break;
                case '?':
                    tokens.Add(Token.AnyChar);
                    break;
                case '[':
                    tokens.Add(ParseClass(part, ref i));
                    break;
                case ']':
                    throw new FormatException("']' has no matching '['");
                default:
                    tokens.Add(Token.Literal(c));
                    break;
            }
        }

        return new Segment(false, [.. tokens]);
    }

    private static Token ParseClass(string part, ref int i)
    {
        var start = i;
        i++;
        var negated = i < part.Length && part[i] is '!' or '^';
        if (negated)
        {
            i++;
        }

        var ranges = new List<(char From, char To)>();
        var first = true;
        for (; i < part.Length; i++)
        {
            var c = part[i];
            if (c == ']' && !first)
            {
                if (ranges.Count == 0)
                {
                    throw new FormatException($"the class '{part[start..(i + 1)]}' is empty");
                }

                return Token.Class(negated, [.. ranges]);
            }

            first = false;
            if (i + 2 < part.Length && part[i + 1] == '-' && part[i + 2] != ']')
            {
                var to = part[i + 2];
                if (to < c)
                {
                    throw new FormatException($"the range '{c}-{to}' runs backwards");
                }

                ranges.Add((c, to));
                i += 2;
            }
            else
            {
                ranges.Add((c, c));
            }
        }

        throw new FormatException($"'[' at position {start + 1} has no closing ']'");
    }

    /// <summary>Expands the first top-level {a,b} and recurses, so nested and repeated groups all expand.</summary>
    private static void ExpandAlternatives(string text, List<string> into)
    {
        var open = text.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            if (text.Contains('}', StringComparison.Ordinal))
            {
                throw new FormatException("'}' has no matching '{'");
            }

            into.Add(text);
            return;
        }

        var depth = 0;
        var options = new List<string>();
        var optionStart = open + 1;
        for (var i = open; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '{':
                    depth++;
                    break;
                case ',' when depth == 1:
                    options.Add(text[optionStart..i]);
                    optionStart = i + 1;
                    break;
                case '}':
                    depth--;
                    if (depth == 0)
                    {
                        options.Add(text[optionStart..i]);
                        var prefix = text[..open];
                        var suffix = text[(i + 1)..];
                        foreach (var option in options)
                        {
                            ExpandAlternatives(prefix + option + suffix, into);
                        }

                        return;
                    }

                    break;
            }
        }

        throw new FormatException("'{' has no closing '}'");
    }

    /// <summary>
    /// Greedy match with backtracking to the last "**": linear for typical patterns, and correct because "**" is the
    /// only element that spans a variable number of segments.
    /// </summary>
    private static bool MatchSegments(Segment[] pattern, ReadOnlySpan<string> path)
    {
        int p = 0, s = 0, starP = -1, starS = 0;
        while (s < path.Length)
        {
            if (p < pattern.Length && pattern[p].IsAnyFolders)
            {
                starP = p++;
                starS = s;
            }
            else if (p < pattern.Length && MatchName(pattern[p].Tokens, path[s]))
            {
                p++;
                s++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                s = ++starS;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p].IsAnyFolders)
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>The same algorithm within one name, where '*' is the only variable-length token.</summary>
    private static bool MatchName(Token[] pattern, string name)
    {
        int p = 0, s = 0, starP = -1, starS = 0;
        while (s < name.Length)
        {
            if (p < pattern.Length && pattern[p].Kind == TokenKind.Star)
            {
                starP = p++;
                starS = s;
            }
            else if (p < pattern.Length && pattern[p].Matches(name[s]))
            {
                p++;
                s++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                s = ++starS;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p].Kind == TokenKind.Star)
        {
            p++;
        }

        return p == pattern.Length;
    }

    private sealed record Segment(bool IsAnyFolders, Token[] Tokens)
    {
        public static readonly Segment AnyFolders = new(true, []);
    }

    private enum TokenKind
    {
        Literal,
        AnyChar,
        Star,
        Class,
    }

    private sealed class Token
    {
        public static readonly Token Star = new(TokenKind.Star, '\0', false, []);
        public static readonly Token AnyChar = new(TokenKind.AnyChar, '\0', false, []);

        private readonly char literal;
        private readonly bool negated;
        private readonly (char From, char To)[] ranges;

        private Token(TokenKind kind, char literal, bool negated, (char From, char To)[] ranges)
        {
            Kind = kind;
            this.literal = char.ToUpperInvariant(literal);
            this.negated = negated;
            this.ranges = ranges;
        }

        public TokenKind Kind { get; }

        public static Token Literal(char c) => new(TokenKind.Literal, c, false, []);

        public static Token Class(bool negated, (char From, char To)[] ranges) => new(TokenKind.Class, '\0', negated, ranges);

        public bool Matches(char c) => Kind switch
        {
            TokenKind.Literal => char.ToUpperInvariant(c) == literal,
            TokenKind.AnyChar => true,
            TokenKind.Class => InClass(c) != negated,
            _ => false,
        };

        private bool InClass(char c)
        {
            var upper = char.ToUpperInvariant(c);
            var lower = char.ToLowerInvariant(c);
            foreach (var (from, to) in ranges)
            {
                if ((c >= from && c <= to) || (upper >= from && upper <= to) || (lower >= from && lower <= to))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
