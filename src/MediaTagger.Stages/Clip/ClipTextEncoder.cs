using MediaTagger.Native.Onnx;

namespace MediaTagger.Stages.Clip;

/// <summary>
/// CLIP's text tower over ONNX Runtime with the real BPE tokenizer: the transformers export (Xenova: input_ids int64
/// [N,L], optional attention_mask, to text_embeds [N,D]) or open_clip's (immich: text int32/int64 [N,77] to embedding).
/// Token ids go in as the session's input type; a fixed sequence length is honoured, a dynamic one gets CLIP's 77. The
/// mask marks the tokens up to the end token. Embeddings are L2-normalized here.
/// </summary>
public sealed class ClipTextEncoder : IDisposable
{
    private static readonly string[] OutputNames = ["text_embeds", "embedding", "embeddings", "text_features"];
    private readonly OnnxSession session;
    private readonly ClipTokenizer tokenizer;
    private readonly OnnxTensorInfo ids;
    private readonly OnnxTensorInfo? mask;
    private readonly string outputName;
    private readonly int length;
    private readonly bool dynamicBatch;

    public ClipTextEncoder(string modelPath, ClipTokenizer tokenizer, OnnxSessionOptions? options = null)
    {
        this.tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        session = OnnxSession.FromFile(modelPath, options);
        try
        {
            bool IsInteger(OnnxTensorInfo i) => i.Shape.Length == 2 && i.ElementType is OnnxElementType.Int64 or OnnxElementType.Int32;
            ids = session.Inputs.FirstOrDefault(i => i.Name is "input_ids" or "text" && IsInteger(i))
                ?? session.Inputs.FirstOrDefault(i => IsInteger(i) && i.Name != "attention_mask")
                ?? throw new InvalidDataException($"{modelPath}: no integer [N,L] token input (has {string.Join(", ", session.Inputs)})");
            mask = session.Inputs.FirstOrDefault(i => i.Name == "attention_mask");
            outputName = (OutputNames.Select(n => session.Outputs.FirstOrDefault(o => o.Name == n)).FirstOrDefault(o => o is not null)
                ?? session.Outputs.FirstOrDefault(o => o.Shape.Length == 2)
                ?? throw new InvalidDataException($"{modelPath}: no [N,D] embedding output (has {string.Join(", ", session.Outputs)})")).Name;
            length = ids.Shape[1] > 0 ? (int)ids.Shape[1] : ClipTokenizer.ContextLength;
            dynamicBatch = ids.Shape[0] < 0;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public string Device => session.ProviderReport.Device;

    /// <summary>One unit vector per text, in order.</summary>
    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new float[texts.Count][];
        var batch = dynamicBatch ? Math.Max(1, Math.Min(64, texts.Count)) : 1;
        for (var start = 0; start < texts.Count; start += batch)
        {
            var n = Math.Min(batch, texts.Count - start);
            var rows = Run(texts.Skip(start).Take(n).ToArray(), cancellationToken);
            rows.CopyTo(result, start);
        }

        return result;
    }

    private float[][] Run(string[] texts, CancellationToken cancellationToken)
    {
        var n = texts.Length;
        var tokens = new long[n * length];
        var attention = new long[n * length];
        for (var r = 0; r < n; r++)
        {
            var row = tokenizer.Encode(texts[r], length);
            row.CopyTo(tokens, r * length);
            var end = ClipTokenizer.EndPosition(row);
            attention.AsSpan(r * length, end + 1).Fill(1);
        }

        var inputs = new List<OnnxInput>(2);
        var owned = new List<OnnxTensor>(2);
        try
        {
            owned.Add(Tensor(ids.ElementType, tokens, n));
            inputs.Add(new OnnxInput(ids.Name, owned[^1]));
            if (mask is not null)
            {
                owned.Add(Tensor(mask.ElementType, attention, n));
                inputs.Add(new OnnxInput(mask.Name, owned[^1]));
            }

            using var outputs = session.Run(inputs, [outputName], cancellationToken);
            return ClipOutputs.UnitRows(outputs, 0, n);
        }
        finally
        {
            foreach (var t in owned)
            {
                t.Dispose();
            }
        }
    }

    private OnnxTensor Tensor(OnnxElementType type, long[] values, int n) => type == OnnxElementType.Int32
        ? OnnxTensor.FromMemory(values.Select(v => (int)v).ToArray().AsMemory(), n, length)
        : OnnxTensor.FromMemory(values.AsMemory(), n, length);

    public void Dispose() => session.Dispose();
}
