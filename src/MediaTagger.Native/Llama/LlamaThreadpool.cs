namespace MediaTagger.Native.Llama;

/// <summary>
/// ggml's CPU threadpool (ggml_threadpool_new/free), which a context keeps for its lifetime. Without one attached,
/// ggml starts and joins its worker threads for every graph computation, i.e. for every generated token: on two
/// threads that made stories260K generate at 0.61 of llama-bench's speed (bench/README.md, LLM section).
/// llama.cpp's own tools (llama-cli, llama-server, llama-bench) attach one the same way. The functions live in the
/// CPU backend library that the loader picked, so they are looked up through its registry, not imported.
/// </summary>
internal static unsafe class LlamaThreadpool
{
    private const int CpuDeviceType = 0; // GGML_BACKEND_DEVICE_TYPE_CPU

    private static readonly Lazy<(IntPtr New, IntPtr Free, string? Missing)> Functions = new(Resolve);

    /// <summary>
    /// A started threadpool of <paramref name="threads"/> workers (the calling thread is one of them), or
    /// <see cref="IntPtr.Zero"/> with the reason when the CPU backend offers none.
    /// </summary>
    public static IntPtr Create(int threads, int polling, out string? failure)
    {
        var (create, _, missing) = Functions.Value;
        if (create == IntPtr.Zero)
        {
            failure = missing;
            return IntPtr.Zero;
        }

        GgmlThreadpoolParams parameters;
        LlamaNative.ggml_threadpool_params_init(&parameters, threads);
        parameters.poll = (uint)polling;
        var pool = ((delegate* unmanaged[Cdecl]<GgmlThreadpoolParams*, IntPtr>)create)(&parameters);
        failure = pool == IntPtr.Zero ? $"ggml_threadpool_new returned NULL for {threads} threads" : null;
        return pool;
    }

    public static void Free(IntPtr pool)
    {
        if (pool != IntPtr.Zero)
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Functions.Value.Free)(pool);
        }
    }

    private static (IntPtr, IntPtr, string?) Resolve()
    {
        LlamaBackend.Initialize();
        var device = LlamaNative.ggml_backend_dev_by_type(CpuDeviceType);
        var reg = device == IntPtr.Zero ? IntPtr.Zero : LlamaNative.ggml_backend_dev_backend_reg(device);
        if (reg == IntPtr.Zero)
        {
            return (IntPtr.Zero, IntPtr.Zero, "no CPU backend is registered");
        }

        var create = LlamaNative.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_new");
        var free = LlamaNative.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_free");
        return create == IntPtr.Zero || free == IntPtr.Zero
            ? (IntPtr.Zero, IntPtr.Zero, "the CPU backend does not export ggml_threadpool_new/ggml_threadpool_free")
            : (create, free, null);
    }
}
