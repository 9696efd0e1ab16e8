namespace MediaTagger.Native.Onnx;

/// <summary>ONNXTensorElementDataType.</summary>
public enum OnnxElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
}

/// <summary>GraphOptimizationLevel.</summary>
public enum OnnxGraphOptimization
{
    None = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Name, element type and shape of a model input or output; -1 marks a dynamic dimension.</summary>
public sealed record OnnxTensorInfo(string Name, OnnxElementType ElementType, long[] Shape, string[] SymbolicDimensions, bool IsTensor)
{
    public override string ToString() =>
        $"{Name}: {ElementType}[{string.Join(",", Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]";
}

public sealed record OnnxModelMetadata(string ProducerName, string GraphName, IReadOnlyDictionary<string, string> Custom);

internal static class OnnxElementTypes
{
    public static int SizeOf(OnnxElementType type) => type switch
    {
        OnnxElementType.Float or OnnxElementType.Int32 or OnnxElementType.UInt32 => 4,
        OnnxElementType.UInt8 or OnnxElementType.Int8 or OnnxElementType.Bool => 1,
        OnnxElementType.UInt16 or OnnxElementType.Int16 or OnnxElementType.Float16 or OnnxElementType.BFloat16 => 2,
        OnnxElementType.Int64 or OnnxElementType.UInt64 or OnnxElementType.Double => 8,
        _ => throw new NotSupportedException($"tensor element type {type} is not supported by this binding"),
    };

    public static OnnxElementType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? OnnxElementType.Float :
        typeof(T) == typeof(long) ? OnnxElementType.Int64 :
        typeof(T) == typeof(int) ? OnnxElementType.Int32 :
        typeof(T) == typeof(byte) ? OnnxElementType.UInt8 :
        typeof(T) == typeof(sbyte) ? OnnxElementType.Int8 :
        typeof(T) == typeof(Half) ? OnnxElementType.Float16 :
        typeof(T) == typeof(double) ? OnnxElementType.Double :
        typeof(T) == typeof(bool) ? OnnxElementType.Bool :
        throw new NotSupportedException($"{typeof(T).Name} has no ONNX element type");
}
