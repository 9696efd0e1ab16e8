using System.Buffers;
using System.Runtime.InteropServices;

namespace MediaTagger.Native.Onnx;

/// <summary>
/// A tensor over caller-owned memory (pinned while the tensor lives): no copy into ORT. Pair it with pooled
/// buffers (ArrayPool) so a batch loop allocates no large arrays per call.
/// </summary>
public sealed unsafe class OnnxTensor : IDisposable
{
    private static readonly Lazy<IntPtr> CpuMemory = new(OrtApi.CreateCpuMemoryInfo);
    private MemoryHandle pin;
    private IntPtr value;

    private OnnxTensor(IntPtr value, MemoryHandle pin, OnnxElementType type, long[] shape)
    {
        this.value = value;
        this.pin = pin;
        ElementType = type;
        Shape = shape;
    }

    public OnnxElementType ElementType { get; }

    public IReadOnlyList<long> Shape { get; }

    internal IntPtr Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(value == IntPtr.Zero, this);
            return value;
        }
    }

    /// <summary>Wraps <paramref name="data"/> (exactly the product of <paramref name="shape"/> elements).</summary>
    public static OnnxTensor FromMemory<T>(Memory<T> data, params long[] shape) where T : unmanaged
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("tensor dimensions must be concrete (>= 0)", nameof(shape));
            }

            count *= d;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(",", shape)}] needs {count} elements but the buffer has {data.Length}", nameof(data));
        }

        var type = OnnxElementTypes.Of<T>();
        if (count == 0)
        {
            // ORT wants a non-NULL pointer even for an empty tensor; let it allocate.
            return new OnnxTensor(OrtApi.CreateTensorOwned(shape, type), default, type, shape);
        }

        var handle = data.Pin();
        try
        {
            var v = OrtApi.CreateTensorWithData(CpuMemory.Value, handle.Pointer, count * sizeof(T), shape, type);
            return new OnnxTensor(v, handle, type, shape);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (value != IntPtr.Zero)
        {
            OrtApi.ReleaseValue(value);
            value = IntPtr.Zero;
            pin.Dispose();
        }
    }
}

/// <summary>Outputs of one run, owned by ONNX Runtime until disposed; read them in place as spans.</summary>
public sealed unsafe class OnnxOutputs : IDisposable
{
    private readonly string[] names;
    private readonly IntPtr[] values;

    internal OnnxOutputs(string[] names, IntPtr[] values)
    {
        this.names = names;
        this.values = values;
    }

    public int Count => values.Length;

    public IReadOnlyList<string> Names => names;

    public int IndexOf(string name)
    {
        var i = Array.IndexOf(names, name);
        return i >= 0 ? i : throw new ArgumentException($"no output named '{name}' (have: {string.Join(", ", names)})", nameof(name));
    }

    public long[] Shape(int index) => OrtApi.GetValueShape(Get(index)).Shape;

    public OnnxElementType ElementType(int index) => OrtApi.GetValueShape(Get(index)).Type;

    /// <summary>The output's elements, valid until this object is disposed.</summary>
    public ReadOnlySpan<T> Span<T>(int index) where T : unmanaged
    {
        var v = Get(index);
        var (type, shape) = OrtApi.GetValueShape(v);
        if (type != OnnxElementTypes.Of<T>())
        {
            throw new InvalidOperationException($"output '{names[index]}' holds {type}, not {typeof(T).Name}");
        }

        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        return count == 0 ? [] : new ReadOnlySpan<T>(OrtApi.GetTensorData(v), checked((int)count));
    }

    public ReadOnlySpan<T> Span<T>(string name) where T : unmanaged => Span<T>(IndexOf(name));

    private IntPtr Get(int index)
    {
        ObjectDisposedException.ThrowIf(values.Length > 0 && values[0] == IntPtr.Zero, this);
        return values[index];
    }

    public void Dispose()
    {
        for (var i = 0; i < values.Length; i++)
        {
            OrtApi.ReleaseValue(values[i]);
            values[i] = IntPtr.Zero;
        }
    }
}

/// <summary>Owns one ORT object and releases it once; a session is held open during a run with AddRef.</summary>
internal sealed class OrtHandle : SafeHandle
{
    private readonly Action<IntPtr> release;

    public OrtHandle(IntPtr handle, Action<IntPtr> release) : base(IntPtr.Zero, ownsHandle: true)
    {
        this.release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        release(handle);
        return true;
    }
}
