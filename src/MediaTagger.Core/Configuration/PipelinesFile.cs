using System.Text.Json;

namespace MediaTagger.Core.Configuration;

/// <summary>Reads pipelines.json directly (for tools and tests); the worker binds it through the host's configuration.</summary>
public static class PipelinesFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static MediaTaggerOptions Load(string path) =>
        JsonSerializer.Deserialize<MediaTaggerOptions>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} is empty");
}
