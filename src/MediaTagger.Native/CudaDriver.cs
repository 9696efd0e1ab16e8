using System.Runtime.InteropServices;

namespace MediaTagger.Native;

/// <summary>
/// Asks the NVIDIA driver (libcuda.so.1, the driver API) whether a CUDA GPU can be used, without any CUDA runtime:
/// cuInit, then cuDeviceGetCount. Only asked when a CUDA build of an engine is there to use.
/// </summary>
internal static unsafe class CudaDriver
{
    private const int NoDevice = 100;
    private const int SystemDriverMismatch = 803;

    public static (bool Usable, string Detail) Probe()
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var driver))
        {
            return (false, "the NVIDIA driver's libcuda.so.1 cannot be loaded: no NVIDIA driver here, or it is not on the loader path");
        }

        if (!NativeLibrary.TryGetExport(driver, "cuInit", out var init) || !NativeLibrary.TryGetExport(driver, "cuDeviceGetCount", out var getCount))
        {
            return (false, "libcuda.so.1 has no cuInit/cuDeviceGetCount");
        }

        var status = ((delegate* unmanaged<uint, int>)init)(0);
        if (status != 0)
        {
            return (false, $"the NVIDIA driver's cuInit failed with CUDA error {status}{Name(status)}");
        }

        int count;
        status = ((delegate* unmanaged<int*, int>)getCount)(&count);
        if (status != 0)
        {
            return (false, $"cuDeviceGetCount failed with CUDA error {status}{Name(status)}");
        }

        return count > 0 ? (true, $"the NVIDIA driver reports {count} CUDA device(s)") : (false, "the NVIDIA driver reports no CUDA device");
    }

    private static string Name(int status) => status switch
    {
        NoDevice => " (no CUDA-capable device)",
        SystemDriverMismatch => " (the driver's kernel module and libcuda differ in version)",
        _ => "",
    };
}
