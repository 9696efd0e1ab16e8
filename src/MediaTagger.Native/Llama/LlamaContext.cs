using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MediaTagger.Native.Llama;

/// <summary>
/// An inference context (KV cache) for one sequence. Not thread-safe: use one context per concurrent generation.
/// Holds its model alive until disposed.
/// </summary>
public sealed class LlamaContext : IDisposable
{
    // n_ubatch (the physical batch) stays at llama.cpp's default or below: larger values mostly grow the compute buffer.
    private const int MaxMicroBatch = 512;

    private readonly SafeLlamaContextHandle handle;
    private readonly AbortState abort;

    private LlamaContext(LlamaModel model, SafeLlamaContextHandle handle, AbortState abort)
    {
        Model = model;
        this.handle = handle;
        this.abort = abort;
        ContextSize = (int)LlamaNative.llama_n_ctx(handle);
        BatchSize = (int)LlamaNative.llama_n_batch(handle);
    }

    public LlamaModel Model { get; }

    /// <summary>Tokens the context can hold.</summary>
    public int ContextSize { get; }

    /// <summary>Most tokens per llama_decode call.</summary>
    public int BatchSize { get; }

    /// <summary>Tokens decoded so far: the position the next token gets.</summary>
    public int Position { get; private set; }

    /// <summary>Whether the last decode produced logits that a sampler can sample from.</summary>
    internal bool HasLogits { get; private set; }

    internal SafeLlamaContextHandle Handle => handle;

    public static unsafe LlamaContext Create(LlamaModel model, LlamaContextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new LlamaContextOptions();
        options.Validate();
        model.ThrowIfDisposed();
        if (model.VocabOnly)
        {
            throw new InvalidOperationException($"model {model.Path} was loaded vocab-only and has no weights to run");
        }

        var threads = options.Threads ?? Math.Max(1, Environment.ProcessorCount);
        var batchThreads = options.BatchThreads ?? threads;
        var parameters = LlamaNative.llama_context_default_params();
        parameters.n_ctx = (uint)options.ContextSize;
        parameters.n_batch = (uint)options.BatchSize;
        parameters.n_ubatch = (uint)Math.Min(options.BatchSize, MaxMicroBatch);
        parameters.n_seq_max = 1;
        parameters.n_threads = threads;
        parameters.n_threads_batch = batchThreads;
        parameters.no_perf = 1;

        // The abort callback lets a CancellationToken stop a long prompt decode inside ggml.
        var abort = new AbortState();
        var abortHandle = GCHandle.Alloc(abort);
        parameters.abort_callback = &OnAbort;
        parameters.abort_callback_data = GCHandle.ToIntPtr(abortHandle);

        SafeLlamaContextHandle handle;
        using (var errors = LlamaBackend.ErrorCapture.Begin())
        {
            try
            {
                handle = SafeLlamaContextHandle.Create(model.Handle, parameters, abortHandle);
            }
            catch
            {
                abortHandle.Free();
                throw;
            }

            if (handle.IsInvalid)
            {
                abortHandle.Free();
                throw new NativeEngineException("llama.cpp",
                    $"cannot create a {options.ContextSize}-token context for {model.Path}: {errors.Describe("llama_init_from_model returned NULL")}");
            }
        }

        var threadpools = handle.AttachThreadpools(threads, batchThreads, options.ThreadPolling, out var noThreadpool);
        if (threadpools == 0)
        {
            LlamaLog.ThreadpoolUnavailable(LlamaBackend.Logger, noThreadpool ?? "unknown");
        }

        var context = new LlamaContext(model, handle, abort);
        LlamaLog.ContextCreated(LlamaBackend.Logger, model.Path, context.ContextSize, context.BatchSize, threads, batchThreads, threadpools, options.ThreadPolling);
        return context;
    }

    /// <summary>
    /// Feeds tokens at the current position, in chunks of <see cref="BatchSize"/>, computing logits only for the last
    /// one (what the next <see cref="LlamaSampler.Sample"/> reads). Cancelling aborts the native computation and throws
    /// <see cref="OperationCanceledException"/>; <see cref="Position"/> then counts what was already stored.
    /// </summary>
    public unsafe void Decode(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        if (tokens.IsEmpty)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Position + tokens.Length > ContextSize)
        {
            throw new InvalidOperationException(
                $"the context holds {Position} of {ContextSize} tokens; {tokens.Length} more do not fit. Call ClearMemory() or create the context with a larger ContextSize");
        }

        foreach (var token in tokens)
        {
            if ((uint)token >= (uint)Model.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"token id outside the vocabulary of {Model.VocabSize} tokens");
            }
        }

        HasLogits = false;
        abort.Token = cancellationToken;
        using var errors = LlamaBackend.ErrorCapture.Begin();
        try
        {
            // llama_batch_get_one: no per-call allocation (llama_batch_init mallocs every array, and one seq_id array
            // per token), positions continue from what the KV cache holds (Position tracks the same), sequence 0,
            // logits for the last token of each chunk only, as llama.cpp's own tools decode.
            fixed (int* all = tokens)
            {
                for (var start = 0; start < tokens.Length; start += BatchSize)
                {
                    var count = Math.Min(BatchSize, tokens.Length - start);
                    var rc = LlamaNative.llama_decode(handle, LlamaNative.llama_batch_get_one(all + start, count));
                    if (rc != 0)
                    {
                        ThrowDecodeFailure(rc, count, errors, cancellationToken);
                    }

                    Position += count;
                }
            }

            HasLogits = true;
        }
        finally
        {
            abort.Token = CancellationToken.None;
        }
    }

    /// <summary>Empties the KV cache (llama_memory_clear) so the next decode starts a new sequence at position 0.</summary>
    public void ClearMemory()
    {
        using var lease = new HandleLease(handle);
        LlamaNative.llama_memory_clear(LlamaNative.llama_get_memory(handle), data: true);
        Position = 0;
        HasLogits = false;
    }

    public void Dispose() => handle.Dispose();

    internal static string DescribeDecodeResult(int rc) => rc switch
    {
        0 => "success",
        1 => "no KV-cache slot for the batch: the context is full; use a smaller batch or a larger context",
        2 => "aborted",
        -1 => "invalid input batch",
        _ => "fatal error in the compute backend",
    };

    private void ThrowDecodeFailure(int rc, int count, LlamaBackend.ErrorCapture errors, CancellationToken cancellationToken)
    {
        // After an abort or a fatal error the ubatches already processed stay in memory; re-read where the sequence ends.
        if (rc == 2 || rc < -1)
        {
            using var lease = new HandleLease(handle);
            Position = LlamaNative.llama_memory_seq_pos_max(LlamaNative.llama_get_memory(handle), 0) + 1;
        }

        var meaning = DescribeDecodeResult(rc);
        LlamaLog.DecodeFailed(LlamaBackend.Logger, rc, meaning, Position);
        if (rc == 2 && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("decoding was cancelled", cancellationToken);
        }

        var native = errors.Errors.Count > 0 ? " (" + string.Join("; ", errors.Errors) + ")" : "";
        throw new NativeEngineException("llama.cpp", $"llama_decode of {count} tokens at position {Position} returned {rc}: {meaning}{native}");
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte OnAbort(IntPtr userData)
    {
        try
        {
            return ((AbortState)GCHandle.FromIntPtr(userData).Target!).Token.IsCancellationRequested ? (byte)1 : (byte)0;
        }
        catch
        {
            return 0;
        }
    }

    private sealed class AbortState
    {
        public CancellationToken Token { get; set; }
    }
}
