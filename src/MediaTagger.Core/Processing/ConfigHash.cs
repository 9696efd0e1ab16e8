using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MediaTagger.Core.Configuration;

namespace MediaTagger.Core.Processing;

/// <summary>
/// A short hash of what decides a file's output: the pipeline's stages for its kind, their parameters and the
/// checksums of their models. A sidecar made under another hash is stale.
/// </summary>
public static class ConfigHash
{
    public static string For(string pipeline, IReadOnlyList<StageDefinition> stages, Func<StageDefinition, string?> modelSha)
    {
        var canonical = JsonSerializer.Serialize(new
        {
            pipeline,
            stages = stages.Select(s => new
            {
                s.Stage,
                with = s.With.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToArray(),
                model = modelSha(s),
            }),
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }
}
