using System.Runtime.InteropServices;

namespace MediaTagger.Native.Whisper;

/// <summary>A whisper_context (the loaded model, without a default state).</summary>
internal sealed class SafeWhisperContextHandle : SafeHandle
{
    public SafeWhisperContextHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal SafeWhisperContextHandle(nint handle) : this() => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_free(handle);
        return true;
    }
}

/// <summary>
/// A whisper_state made for one call. It holds a reference on its context, so disposing the model while a state
/// is alive only frees the context once the state is gone.
/// </summary>
internal sealed class SafeWhisperStateHandle : SafeHandle
{
    private SafeWhisperContextHandle? context;

    public SafeWhisperStateHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>whisper_init_state; null from native becomes <see cref="NativeEngineException"/>.</summary>
    public static SafeWhisperStateHandle Create(SafeWhisperContextHandle context, WhisperNativeLog.Capture capture)
    {
        var result = new SafeWhisperStateHandle();
        var added = false;
        try
        {
            context.DangerousAddRef(ref added);
            var state = WhisperNative.whisper_init_state(context);
            if (state == 0)
            {
                throw new NativeEngineException(WhisperModel.Engine, capture.Describe("whisper_init_state failed (out of memory?)"));
            }

            result.SetHandle(state);
            result.context = context;
            added = false; // now owned by result, released in ReleaseHandle
            return result;
        }
        finally
        {
            if (added)
            {
                context.DangerousRelease();
            }
        }
    }

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_free_state(handle);
        context?.DangerousRelease();
        return true;
    }
}

/// <summary>A whisper_vad_context (whisper.cpp's Silero VAD model).</summary>
internal sealed class SafeWhisperVadContextHandle : SafeHandle
{
    public SafeWhisperVadContextHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal SafeWhisperVadContextHandle(nint handle) : this() => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_vad_free(handle);
        return true;
    }
}

/// <summary>The speech segments whisper_vad_segments_from_samples returns.</summary>
internal sealed class SafeWhisperVadSegmentsHandle : SafeHandle
{
    public SafeWhisperVadSegmentsHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal SafeWhisperVadSegmentsHandle(nint handle) : this() => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_vad_free_segments(handle);
        return true;
    }
}

/// <summary>whisper_full_params allocated by whisper_full_default_params_by_ref; fields are set through <see cref="Value"/>.</summary>
internal sealed unsafe class SafeWhisperFullParamsHandle : SafeHandle
{
    public SafeWhisperFullParamsHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The native struct; valid while this handle is alive and not disposed.</summary>
    public ref whisper_full_params Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed || IsInvalid, this);
            return ref *(whisper_full_params*)handle;
        }
    }

    public static SafeWhisperFullParamsHandle CreateDefault(int strategy)
    {
        var p = WhisperNative.whisper_full_default_params_by_ref(strategy);
        if (p is null)
        {
            throw new NativeEngineException(WhisperModel.Engine, "whisper_full_default_params_by_ref returned NULL");
        }

        var result = new SafeWhisperFullParamsHandle();
        result.SetHandle((nint)p);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_free_params((whisper_full_params*)handle);
        return true;
    }
}

/// <summary>whisper_context_params allocated by whisper_context_default_params_by_ref.</summary>
internal sealed unsafe class SafeWhisperContextParamsHandle : SafeHandle
{
    public SafeWhisperContextParamsHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public ref whisper_context_params Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed || IsInvalid, this);
            return ref *(whisper_context_params*)handle;
        }
    }

    public static SafeWhisperContextParamsHandle CreateDefault()
    {
        var p = WhisperNative.whisper_context_default_params_by_ref();
        if (p is null)
        {
            throw new NativeEngineException(WhisperModel.Engine, "whisper_context_default_params_by_ref returned NULL");
        }

        var result = new SafeWhisperContextParamsHandle();
        result.SetHandle((nint)p);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_free_context_params((whisper_context_params*)handle);
        return true;
    }
}
