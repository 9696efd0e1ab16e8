using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Clip;

/// <summary>One search hit: a processed file and its cosine similarity to the query.</summary>
public sealed record ClipSearchHit(string Path, float Score, string Stage, string Model);

/// <summary>
/// Text-to-image search over the journal's stored CLIP image embeddings (as Immich's smart search): the query goes
/// through the text tower of the model that made the embeddings, and files rank by cosine similarity (the dot
/// product of unit vectors), best first.
/// </summary>
public static class ClipSearch
{
    /// <summary>
    /// The model whose embeddings a search ranks: <paramref name="requested"/> when given, else the one with the most
    /// stored embeddings (a journal holds several only after the pipeline's clip model changed).
    /// </summary>
    public static string? ModelOf(IReadOnlyList<StoredEmbedding> embeddings, string? requested)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (!string.IsNullOrEmpty(requested))
        {
            return requested;
        }

        return embeddings.GroupBy(e => e.Model, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).FirstOrDefault();
    }

    /// <summary>Encodes <paramref name="query"/> with the model's text tower and ranks <paramref name="embeddings"/> of that model.</summary>
    /// <exception cref="ModelNotInstalledException">The model's text tower or merges file is not installed.</exception>
    public static IReadOnlyList<ClipSearchHit> Search(ModelEntry model, ModelStore store, string query, IReadOnlyList<StoredEmbedding> embeddings,
        string? folder, int top, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embeddings);
        var files = store.Require(model);
        using var text = new ClipTextEncoder(files["textual"], ClipTokenizer.FromMergesFile(files["merges"]));
        var vector = text.Embed([query], cancellationToken)[0];
        var candidates = embeddings.Where(e => string.Equals(e.Model, model.Id, StringComparison.Ordinal)).ToArray();
        ClipStageLog.Searching(logger, candidates.Length, model.Id, query);
        return Rank(vector, candidates, folder, top);
    }

    /// <summary>
    /// The <paramref name="top"/> embeddings most similar to <paramref name="query"/> (a unit vector), best first;
    /// with <paramref name="folder"/> only files under it. An embedding of another dimension is not comparable and
    /// is left out.
    /// </summary>
    public static IReadOnlyList<ClipSearchHit> Rank(ReadOnlySpan<float> query, IReadOnlyList<StoredEmbedding> embeddings, string? folder, int top)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        var prefix = string.IsNullOrEmpty(folder) ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var hits = new List<ClipSearchHit>(embeddings.Count);
        foreach (var e in embeddings)
        {
            if (e.Vector.Length != query.Length || (prefix is not null && !e.Path.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            hits.Add(new ClipSearchHit(e.Path, ClipEmbeddings.Dot(query, e.Vector), e.Stage, e.Model));
        }

        return hits.OrderByDescending(h => h.Score).ThenBy(h => h.Path, StringComparer.Ordinal).Take(Math.Max(0, top)).ToArray();
    }
}
