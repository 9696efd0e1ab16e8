namespace MediaTagger.Native.Onnx;

/// <summary>Tells whether an execution provider compiled into ONNX Runtime can actually be appended here.</summary>
public static class OnnxProviderProbe
{
    /// <summary>Null when usable, else ORT's reason.</summary>
    public static string? Check(string provider)
    {
        if (provider == "cpu")
        {
            return null;
        }

        if (provider == "tensorrt")
        {
            // TensorRT has no generic append; it needs libonnxruntime_providers_tensorrt.so and TensorRT itself.
            return "needs libonnxruntime_providers_tensorrt.so and the TensorRT runtime, which this set-up does not install";
        }

        var options = OrtApi.CreateSessionOptions();
        try
        {
            if (provider == "cuda")
            {
                OrtApi.AppendCuda(options, new Dictionary<string, string>());
            }
            else
            {
                OrtApi.AppendExecutionProvider(options, provider switch
                {
                    "xnnpack" => "XNNPACK",
                    "webgpu" => "WebGPU",
                    _ => provider,
                }, new Dictionary<string, string>());
            }

            return null;
        }
        catch (OnnxRuntimeException ex)
        {
            return ex.Message.Replace("onnxruntime: ", "", StringComparison.Ordinal);
        }
        finally
        {
            OrtApi.ReleaseSessionOptions(options);
        }
    }
}
