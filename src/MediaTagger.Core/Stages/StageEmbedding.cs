using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace MediaTagger.Core.Stages;

/// <summary>
/// An embedding vector a stage made for a file (CLIP's image embedding), as it travels in the stage's result from the
/// model host to the worker: result["embedding"] = { dim, model, sha256, vector: base64 of little-endian float32 }.
/// The worker takes the vector out (<see cref="Take"/>) and stores it in the journal's embeddings table, where
/// `search` ranks it; the result (and so the sidecar) keeps a compact note without the vector unless the stage asked
/// to keep it there too ("keep": true).
/// </summary>
public sealed record StageEmbedding(string Model, string Sha256, float[] Vector)
{
    public const string Key = "embedding";

    /// <summary>The result entry carrying the vector.</summary>
    public JsonObject ToJson(bool keepInResult = false)
    {
        var entry = new JsonObject
        {
            ["dim"] = Vector.Length,
            ["model"] = Model,
            ["sha256"] = Sha256,
            ["vector"] = Encode(Vector),
        };
        if (keepInResult)
        {
            entry["keep"] = true;
        }

        return entry;
    }

    /// <summary>
    /// Takes the embedding out of a stage result, leaving { dim, model, sha256, stored: "journal" } (and the vector
    /// when the stage asked to keep it); null when the result carries none or it is malformed (then it is left as is).
    /// </summary>
    public static StageEmbedding? Take(JsonObject result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result[Key] is not JsonObject entry || entry["vector"] is not JsonValue v || !v.TryGetValue<string>(out var base64)
            || entry["model"]?.GetValue<string>() is not { Length: > 0 } model)
        {
            return null;
        }

        float[] vector;
        try
        {
            vector = Decode(base64);
        }
        catch (FormatException)
        {
            return null;
        }

        var keep = entry["keep"] is JsonValue k && k.TryGetValue<bool>(out var flag) && flag;
        entry.Remove("keep");
        if (!keep)
        {
            entry.Remove("vector");
        }

        entry["stored"] = "journal";
        return new StageEmbedding(model, entry["sha256"]?.GetValue<string>() ?? "", vector);
    }

    public static string Encode(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    /// <exception cref="FormatException">Not base64, or not a whole number of floats.</exception>
    public static float[] Decode(string base64) => FromBytes(Convert.FromBase64String(base64));

    /// <exception cref="FormatException">Not a whole number of floats.</exception>
    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 4 != 0)
        {
            throw new FormatException($"an embedding of {bytes.Length} bytes is not a whole number of float32 values");
        }

        var vector = new float[bytes.Length / 4];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        }

        return vector;
    }

    public byte[] ToBytes() => MemoryMarshal.AsBytes(Vector.AsSpan()).ToArray() is var raw && BitConverter.IsLittleEndian
        ? raw
        : Convert.FromBase64String(Encode(Vector));
}

/// <summary>An embedding the journal holds for a file, with where the file is.</summary>
public sealed record StoredEmbedding(long ItemId, string Path, string Stage, string Model, string Sha256, float[] Vector);
