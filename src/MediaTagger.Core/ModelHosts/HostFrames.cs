using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;

namespace MediaTagger.Core.ModelHosts;

/// <summary>
/// The model-host protocol's framing: a 4-byte little-endian length, then that many bytes of UTF-8 JSON, one object
/// with a "type". Worker to host: batch, cancel, shutdown. Host to worker: ready, fatal, heartbeat, result.
/// </summary>
public static class HostFrames
{
    /// <summary>A frame larger than this is a protocol error (a host writing garbage to its protocol stream).</summary>
    public const int MaxFrameBytes = 64 << 20;

    /// <summary>Writes one frame. Callers that write from several threads pass the same <paramref name="gate"/>.</summary>
    public static async Task WriteAsync(Stream stream, JsonObject message, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        var frame = Frame(message);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The synchronous <see cref="WriteAsync"/>, for a thread that must not depend on the thread pool.</summary>
    public static void Write(Stream stream, JsonObject message, SemaphoreSlim gate)
    {
        var frame = Frame(message);
        gate.Wait();
        try
        {
            stream.Write(frame);
            stream.Flush();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Reads one frame; null when the stream ended cleanly between frames.</summary>
    public static async Task<JsonObject?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await FillAsync(stream, header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is <= 0 or > MaxFrameBytes)
        {
            throw new InvalidDataException($"model-host protocol: frame length {length} is out of range (stray output on the protocol stream?)");
        }

        var payload = new byte[length];
        if (!await FillAsync(stream, payload, cancellationToken).ConfigureAwait(false))
        {
            throw new EndOfStreamException($"model-host protocol: the stream ended inside a frame of {length} bytes");
        }

        return JsonNode.Parse(payload) as JsonObject
            ?? throw new InvalidDataException("model-host protocol: a frame is not a JSON object");
    }

    public static string TypeOf(JsonObject message) => message["type"]?.GetValue<string>() ?? "";

    public static JsonObject Input(StageInput input) => new()
    {
        ["taskId"] = input.TaskId,
        ["path"] = input.Path,
        ["kind"] = input.Kind.ToString(),
        ["format"] = input.Format,
        ["earlier"] = new JsonObject(input.EarlierResults.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.DeepClone()))),
    };

    public static StageInput Input(JsonObject json) => new(
        json["taskId"]!.GetValue<long>(),
        json["path"]!.GetValue<string>(),
        Enum.Parse<MediaKind>(json["kind"]!.GetValue<string>()),
        json["format"]!.GetValue<string>(),
        (json["earlier"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value!.AsObject().DeepClone().AsObject(), StringComparer.Ordinal));

    public static JsonObject Outcome(StageOutcome outcome) => outcome.Success
        ? new JsonObject { ["result"] = outcome.Result!.DeepClone() }
        : new JsonObject { ["error"] = outcome.Error, ["transient"] = outcome.Transient };

    public static StageOutcome Outcome(JsonObject json) => json["error"] is { } error
        ? StageOutcome.Fail(error.GetValue<string>(), json["transient"]?.GetValue<bool>() ?? false)
        : StageOutcome.Ok(json["result"]!.AsObject().DeepClone().AsObject());

    private static byte[] Frame(JsonObject message)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(message);
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    private static async Task<bool> FillAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }

                throw new EndOfStreamException($"model-host protocol: the stream ended after {read} of {buffer.Length} bytes");
            }

            read += n;
        }

        return true;
    }
}
