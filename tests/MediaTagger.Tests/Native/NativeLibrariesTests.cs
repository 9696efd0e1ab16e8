using MediaTagger.Native;

namespace MediaTagger.Tests.Native;

public sealed class NativeLibrariesTests
{
    [Fact]
    public void Library_locations_come_from_the_native_folder()
    {
        var dir = NativeLibraries.NativeDirectory ?? "<no .native folder>";
        NativeLibraries.DescribeLocation("onnxruntime").Should().Be(Path.Combine(dir, "onnxruntime", "libonnxruntime.so.1"));
        NativeLibraries.DescribeLocation("whisper.cpp").Should().Be(Path.Combine(dir, "whisper", NativeLibraries.WhisperVariant, "libwhisper.so"));
    }
}
