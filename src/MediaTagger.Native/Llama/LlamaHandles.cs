using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MediaTagger.Native.Llama;

/// <summary>Owns a llama_model*; freed once nothing (wrapper, context, sampler) holds a reference.</summary>
internal sealed class SafeLlamaModelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeLlamaModelHandle(IntPtr model)
        : base(ownsHandle: true) => SetHandle(model);

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_model_free(handle);
        return true;
    }
}

/// <summary>
/// Owns a llama_context*. It holds a reference on its model handle, so disposing the model first cannot free
/// the weights under a live context: the model is released only after llama_free.
/// </summary>
internal sealed class SafeLlamaContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly SafeLlamaModelHandle model;
    private GCHandle abortState;
    private IntPtr threadpool;
    private IntPtr threadpoolBatch;

    private SafeLlamaContextHandle(SafeLlamaModelHandle model)
        : base(ownsHandle: true) => this.model = model;

    /// <summary>Creates the context while holding a model reference; the reference is dropped again if creation fails.</summary>
    public static SafeLlamaContextHandle Create(SafeLlamaModelHandle model, LlamaContextParams parameters, GCHandle abortState)
    {
        var result = new SafeLlamaContextHandle(model);
        var added = false;
        model.DangerousAddRef(ref added);
        var ptr = LlamaNative.llama_init_from_model(model, parameters);
        if (ptr == IntPtr.Zero)
        {
            model.DangerousRelease();
            result.SetHandleAsInvalid();
            return result;
        }

        result.abortState = abortState;
        result.SetHandle(ptr);
        return result;
    }

    /// <summary>
    /// Starts the context's CPU threadpools (one, or a second for batches when the thread counts differ) and attaches
    /// them; they are freed after the context. Returns how many were attached (0 with the reason when the CPU backend
    /// offers none).
    /// </summary>
    public int AttachThreadpools(int threads, int batchThreads, int polling, out string? failure)
    {
        threadpool = LlamaThreadpool.Create(threads, polling, out failure);
        if (threadpool == IntPtr.Zero)
        {
            return 0;
        }

        if (batchThreads != threads)
        {
            threadpoolBatch = LlamaThreadpool.Create(batchThreads, polling, out failure);
            if (threadpoolBatch == IntPtr.Zero)
            {
                LlamaThreadpool.Free(threadpool);
                threadpool = IntPtr.Zero;
                return 0;
            }
        }

        // NULL for the batch pool makes llama.cpp use the one pool for both.
        LlamaNative.llama_attach_threadpool(handle, threadpool, threadpoolBatch);
        return threadpoolBatch == IntPtr.Zero ? 1 : 2;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_free(handle);

        // The context computes on its pools until llama_free; only then can they stop.
        LlamaThreadpool.Free(threadpool);
        LlamaThreadpool.Free(threadpoolBatch);

        // The abort callback's state must outlive the context that may call it.
        if (abortState.IsAllocated)
        {
            abortState.Free();
        }

        model.DangerousRelease();
        return true;
    }
}

/// <summary>
/// Owns a llama_sampler* chain. Samplers built for a model (grammar keeps a pointer to the model's vocab) hold a
/// reference on the model handle until the chain is freed.
/// </summary>
internal sealed class SafeLlamaSamplerHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly SafeLlamaModelHandle model;

    private SafeLlamaSamplerHandle(SafeLlamaModelHandle model)
        : base(ownsHandle: true) => this.model = model;

    public static SafeLlamaSamplerHandle CreateChain(SafeLlamaModelHandle model, LlamaSamplerChainParams parameters)
    {
        var result = new SafeLlamaSamplerHandle(model);
        var added = false;
        model.DangerousAddRef(ref added);
        var ptr = LlamaNative.llama_sampler_chain_init(parameters);
        if (ptr == IntPtr.Zero)
        {
            model.DangerousRelease();
            result.SetHandleAsInvalid();
            return result;
        }

        result.SetHandle(ptr);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_sampler_free(handle);
        model.DangerousRelease();
        return true;
    }
}

/// <summary>
/// Keeps a handle from being freed while a raw pointer derived from it (a vocab, a memory) is in use.
/// Throws <see cref="ObjectDisposedException"/> when the handle is already closed.
/// </summary>
internal readonly ref struct HandleLease
{
    private readonly SafeHandle handle;

    public HandleLease(SafeHandle handle)
    {
        this.handle = handle;
        var added = false;
        handle.DangerousAddRef(ref added);
    }

    public void Dispose() => handle.DangerousRelease();
}
