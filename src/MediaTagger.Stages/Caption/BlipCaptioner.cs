using MediaTagger.Media.Images;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Caption;

/// <summary>A caption for one image, or why there is none.</summary>
public sealed record CaptionResult(string Path, string? Caption, int Tokens, double Score, bool Ended, string? Error);

/// <summary>
/// BLIP captioning (Salesforce/blip-image-captioning-base and -large) on its published ONNX split, as transformers.js
/// exports it (Xenova/blip-image-captioning-*, onnx/):
/// <list type="bullet">
/// <item>vision_model.onnx: pixel_values float [B,3,384,384] -> last_hidden_state [B,577,768] (1024 for -large; 577 =
/// 1 + (384/16)^2 patches), plus pooler_output, which captioning does not use;</item>
/// <item>text_decoder_model.onnx: input_ids int64 [B,L], attention_mask int64 [B,L], encoder_hidden_states float [B,S,H]
/// (and encoder_attention_mask int64 [B,S] where the export has it) -> logits [B,L,30524];
/// text_decoder_model_merged.onnx adds use_cache_branch bool [1] and past_key_values.N.key/value [B,heads,P,64].</item>
/// </list>
/// Inputs are found by name in the session, so either decoder works; the merged one runs its no-cache branch with an
/// empty past, so both re-run the whole prefix each step (correct, not the fastest). fp16 exports are read and fed in
/// float16 where their inputs and outputs say so.
/// Preprocessing is BlipImageProcessor's: RGB, Pillow bicubic resize to exactly 384x384 (aspect not kept), /255,
/// the CLIP mean and std, NCHW. Prompts are tokenized as BlipProcessor does, then [CLS] becomes [DEC] (30522) and the
/// trailing [SEP] goes, as BlipForConditionalGeneration.generate does; [SEP] (102) ends a caption.
/// </summary>
public sealed class BlipCaptioner : IDisposable
{
    /// <summary>BlipImageProcessor's size for both published checkpoints.</summary>
    public const int DefaultImageSize = 384;

    /// <summary>Images per vision run and per search (rows = images x beams), which bounds memory.</summary>
    public const int ChunkSize = 8;

    /// <summary>transformers' BlipImageProcessor defaults: OPENAI_CLIP_MEAN and OPENAI_CLIP_STD, /255, RGB, NCHW.</summary>
    public static PixelNormalization Normalization => PixelNormalization.OpenAiClip;

    private readonly OnnxSession vision;
    private readonly OnnxSession decoder;
    private readonly string pixelName;
    private readonly string hiddenName;
    private readonly bool visionDynamicBatch;
    private readonly DecoderScorer.Layout layout;

    public BlipCaptioner(string visionPath, string decoderPath, string vocabPath, OnnxSessionOptions? options = null)
    {
        Tokenizer = BertTokenizer.ForBlip(vocabPath);
        if (Tokenizer.Bos < 0)
        {
            throw new InvalidDataException($"{vocabPath}: BLIP's [DEC] token could not be added");
        }

        vision = OnnxSession.FromFile(visionPath, options);
        try
        {
            decoder = OnnxSession.FromFile(decoderPath, options);
        }
        catch
        {
            vision.Dispose();
            throw;
        }

        try
        {
            var pixels = vision.Inputs.FirstOrDefault(i => i.Name == "pixel_values") ?? vision.Inputs[0];
            if (pixels.Shape.Length != 4 || pixels.ElementType is not (OnnxElementType.Float or OnnxElementType.Float16))
            {
                throw new InvalidDataException($"{visionPath}: expected pixel_values float [B,3,384,384], found {pixels}");
            }

            pixelName = pixels.Name;
            visionDynamicBatch = pixels.Shape[0] < 0;
            ImageSize = pixels.Shape[2] > 0 ? (int)pixels.Shape[2] : DefaultImageSize;
            hiddenName = (vision.Outputs.FirstOrDefault(o => o.Name == "last_hidden_state") ?? vision.Outputs[0]).Name;
            layout = DecoderScorer.Layout.Of(decoder, decoderPath);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public BertTokenizer Tokenizer { get; }

    public int ImageSize { get; }

    /// <summary>Where the models run ("cpu", "cuda"), as ONNX Runtime reported it for the vision model.</summary>
    public string Device => vision.ProviderReport.Device;

    /// <summary>[DEC], then the prompt's WordPiece ids (no [SEP]): where every caption starts.</summary>
    public IReadOnlyList<int> PromptIds(string prompt) => [Tokenizer.Bos, .. Tokenizer.Encode(prompt)];

    /// <summary>Pillow-exact BLIP input for one decoded image: [3, size, size] floats written into <paramref name="destination"/>.</summary>
    public static void Preprocess(RgbImage image, int size, Span<float> destination)
    {
        var resized = PilResize.Bicubic(image, size, size);
        PixelTensor.Write(resized.Pixels, size, size, Normalization, destination);
    }

    /// <summary>Captions image files; a file that cannot be decoded gets an error entry and the rest go on.</summary>
    public IReadOnlyList<CaptionResult> Caption(IReadOnlyList<string> paths, string prompt, bool keepPrompt, CaptionSearchOptions search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var plane = 3 * ImageSize * ImageSize;
        var pixels = new float[paths.Count][];
        var results = new CaptionResult?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Min(4, Environment.ProcessorCount) }, i =>
        {
            try
            {
                var tensor = new float[plane];
                Preprocess(VipsImaging.Decode(paths[i]), ImageSize, tensor);
                pixels[i] = tensor;
            }
            catch (Exception ex) when (ex is Native.NativeEngineException or IOException or ArgumentException or InvalidDataException)
            {
                results[i] = new CaptionResult(paths[i], null, 0, 0, false, ex.Message);
            }
        });

        var promptIds = PromptIds(prompt);
        var promptText = Tokenizer.Decode(promptIds);
        var good = Enumerable.Range(0, paths.Count).Where(i => results[i] is null).ToArray();
        for (var start = 0; start < good.Length; start += ChunkSize)
        {
            var chunk = good.AsSpan(start, Math.Min(ChunkSize, good.Length - start)).ToArray();
            var hidden = Encode(chunk.Select(i => pixels[i]).ToArray(), cancellationToken);
            var scorer = new DecoderScorer(decoder, layout, hidden);
            var generated = CaptionSearch.Generate(scorer, promptIds, chunk.Length, search with { EosToken = Tokenizer.Sep }, cancellationToken);
            for (var k = 0; k < chunk.Length; k++)
            {
                var g = generated[k];
                var text = Tokenizer.Decode(g.Tokens);
                if (!keepPrompt && promptText.Length > 0 && text.StartsWith(promptText, StringComparison.Ordinal))
                {
                    text = text[promptText.Length..].TrimStart();
                }

                results[chunk[k]] = new CaptionResult(paths[chunk[k]], text, g.Tokens.Count - promptIds.Count, g.Score, g.Ended, null);
            }
        }

        return results.Select(r => r!).ToArray();
    }

    /// <summary>The vision model's last_hidden_state per image: [S x H] floats each, S and H from the output shape.</summary>
    internal EncoderStates Encode(IReadOnlyList<float[]> images, CancellationToken cancellationToken)
    {
        var plane = 3 * ImageSize * ImageSize;
        var per = new List<float[]>(images.Count);
        int tokens = 0, width = 0;
        var batch = visionDynamicBatch ? images.Count : 1;
        for (var start = 0; start < images.Count; start += batch)
        {
            var n = Math.Min(batch, images.Count - start);
            var buffer = new float[n * plane];
            for (var i = 0; i < n; i++)
            {
                images[start + i].CopyTo(buffer, i * plane);
            }

            using var input = TensorData.Create(vision.Input(pixelName).ElementType, buffer, n, 3, ImageSize, ImageSize);
            using var outputs = vision.Run([new OnnxInput(pixelName, input.Tensor)], [hiddenName], cancellationToken);
            var shape = outputs.Shape(0);
            if (shape.Length != 3 || shape[0] != n)
            {
                throw new InvalidDataException($"the vision model's {hiddenName} has shape [{string.Join(",", shape)}], [{n},S,H] expected");
            }

            tokens = (int)shape[1];
            width = (int)shape[2];
            var all = TensorData.ReadFloats(outputs, 0);
            for (var i = 0; i < n; i++)
            {
                per.Add(all.AsSpan(i * tokens * width, tokens * width).ToArray());
            }
        }

        return new EncoderStates(per, tokens, width);
    }

    public void Dispose()
    {
        vision?.Dispose();
        decoder?.Dispose();
    }
}

/// <summary>The image tokens the decoder attends to: one [Tokens x Width] array per image.</summary>
internal sealed record EncoderStates(IReadOnlyList<float[]> Images, int Tokens, int Width);

/// <summary>The text decoder as an <see cref="INextTokenScorer"/>: each step runs every row's whole prefix.</summary>
internal sealed class DecoderScorer(OnnxSession decoder, DecoderScorer.Layout layout, EncoderStates encoder) : INextTokenScorer
{
    public int VocabularySize => layout.Vocabulary;

    public void Score(IReadOnlyList<SequenceRow> rows, Span<float> logits, CancellationToken cancellationToken)
    {
        var n = rows.Count;
        var length = rows[0].Tokens.Count;
        var ids = new long[n * length];
        for (var r = 0; r < n; r++)
        {
            if (rows[r].Tokens.Count != length)
            {
                throw new ArgumentException("every row of a decoder step has the same length", nameof(rows));
            }

            for (var t = 0; t < length; t++)
            {
                ids[(r * length) + t] = rows[r].Tokens[t];
            }
        }

        var states = new float[n * encoder.Tokens * encoder.Width];
        for (var r = 0; r < n; r++)
        {
            encoder.Images[rows[r].Source].CopyTo(states, r * encoder.Tokens * encoder.Width);
        }

        var owned = new List<IDisposable>();
        try
        {
            var inputs = new List<OnnxInput>();
            OnnxTensor Add(string name, OnnxTensor tensor)
            {
                owned.Add(tensor);
                inputs.Add(new OnnxInput(name, tensor));
                return tensor;
            }

            Add("input_ids", OnnxTensor.FromMemory(ids.AsMemory(), n, length));
            if (layout.AttentionMask)
            {
                Add("attention_mask", OnnxTensor.FromMemory(Ones(n * length), n, length));
            }

            var hidden = TensorData.Create(layout.HiddenType, states, n, encoder.Tokens, encoder.Width);
            owned.Add(hidden);
            inputs.Add(new OnnxInput("encoder_hidden_states", hidden.Tensor));
            if (layout.EncoderAttentionMask)
            {
                Add("encoder_attention_mask", OnnxTensor.FromMemory(Ones(n * encoder.Tokens), n, encoder.Tokens));
            }

            if (layout.CacheBranch)
            {
                Add("use_cache_branch", OnnxTensor.FromMemory(new bool[1].AsMemory(), 1));
            }

            foreach (var past in layout.Past)
            {
                // An empty past: the merged graph's no-cache branch ignores it, but every graph input must be fed.
                var shape = past.Shape.Select((d, i) => i == 0 ? n : i == 2 ? 0 : d).ToArray();
                var empty = TensorData.Create(past.ElementType, [], shape);
                owned.Add(empty);
                inputs.Add(new OnnxInput(past.Name, empty.Tensor));
            }

            using var outputs = decoder.Run(inputs, ["logits"], cancellationToken);
            var shapeOut = outputs.Shape(0);
            if (shapeOut.Length != 3 || shapeOut[0] != n || shapeOut[1] != length || shapeOut[2] != layout.Vocabulary)
            {
                throw new InvalidDataException($"the text decoder's logits have shape [{string.Join(",", shapeOut)}], [{n},{length},{layout.Vocabulary}] expected");
            }

            var all = TensorData.ReadFloats(outputs, 0);
            var v = layout.Vocabulary;
            for (var r = 0; r < n; r++)
            {
                all.AsSpan((((r * length) + length - 1) * v), v).CopyTo(logits.Slice(r * v, v));
            }
        }
        finally
        {
            foreach (var d in owned)
            {
                d.Dispose();
            }
        }
    }

    private static Memory<long> Ones(int count)
    {
        var ones = new long[count];
        Array.Fill(ones, 1L);
        return ones;
    }

    /// <summary>Which inputs the export has, read from the session once.</summary>
    internal sealed record Layout(int Vocabulary, bool AttentionMask, bool EncoderAttentionMask, bool CacheBranch, OnnxElementType HiddenType, IReadOnlyList<OnnxTensorInfo> Past)
    {
        private static readonly string[] RequiredInputs = ["input_ids", "encoder_hidden_states"];

        public static Layout Of(OnnxSession decoder, string path)
        {
            var names = decoder.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var required in RequiredInputs)
            {
                if (!names.Contains(required))
                {
                    throw new InvalidDataException($"{path} is not a BLIP text decoder: it has no '{required}' input (it has: {string.Join(", ", names)})");
                }
            }

            var ids = decoder.Input("input_ids");
            if (ids.ElementType != OnnxElementType.Int64)
            {
                throw new InvalidDataException($"{path}: input_ids is {ids.ElementType}, int64 expected");
            }

            var logits = decoder.Outputs.FirstOrDefault(o => o.Name == "logits")
                ?? throw new InvalidDataException($"{path} has no 'logits' output (it has: {string.Join(", ", decoder.Outputs.Select(o => o.Name))})");
            if (logits.Shape.Length != 3 || logits.Shape[2] <= 0)
            {
                throw new InvalidDataException($"{path}: logits is {logits}, [B,L,vocabulary] with a fixed vocabulary expected");
            }

            var past = decoder.Inputs.Where(i => i.Name.StartsWith("past_key_values.", StringComparison.Ordinal)).ToArray();
            if (past.Any(p => p.Shape.Length != 4 || p.Shape[1] < 0 || p.Shape[3] < 0))
            {
                throw new InvalidDataException($"{path}: past_key_values inputs must be [B,heads,P,head_size] with fixed heads and head size");
            }

            return new Layout((int)logits.Shape[2], names.Contains("attention_mask"), names.Contains("encoder_attention_mask"),
                names.Contains("use_cache_branch"), decoder.Input("encoder_hidden_states").ElementType, past);
        }
    }
}

/// <summary>A tensor in float or float16 made from float values, and float values read from either.</summary>
internal sealed class TensorData : IDisposable
{
    private TensorData(OnnxTensor tensor) => Tensor = tensor;

    public OnnxTensor Tensor { get; }

    public static TensorData Create(OnnxElementType type, float[] values, params long[] shape) => type switch
    {
        OnnxElementType.Float => new TensorData(OnnxTensor.FromMemory(values.AsMemory(), shape)),
        OnnxElementType.Float16 => new TensorData(OnnxTensor.FromMemory(values.Select(v => (Half)v).ToArray().AsMemory(), shape)),
        _ => throw new InvalidDataException($"a {type} tensor where float or float16 was expected"),
    };

    public static float[] ReadFloats(OnnxOutputs outputs, int index) => outputs.ElementType(index) switch
    {
        OnnxElementType.Float => outputs.Span<float>(index).ToArray(),
        OnnxElementType.Float16 => Half16(outputs.Span<Half>(index)),
        var other => throw new InvalidDataException($"output {outputs.Names[index]} is {other}, float or float16 expected"),
    };

    private static float[] Half16(ReadOnlySpan<Half> values)
    {
        var floats = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            floats[i] = (float)values[i];
        }

        return floats;
    }

    public void Dispose() => Tensor.Dispose();
}
