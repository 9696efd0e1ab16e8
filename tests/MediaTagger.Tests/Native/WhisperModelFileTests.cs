using System.Buffers.Binary;
using MediaTagger.Native.Whisper;

namespace MediaTagger.Tests.Native;

/// <summary>The header checks that keep wrong model files away from whisper.cpp's trusting loaders.</summary>
public sealed class WhisperModelFileTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("mt-whisper-file-");

    public void Dispose() => work.Delete(recursive: true);

    [Fact]
    public void A_whisper_header_with_plausible_sizes_passes()
    {
        // tiny.en: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state,
        // n_text_head, n_text_layer, n_mels, ftype
        var path = Write("tiny.bin", Ints(0x67676d6c, 51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1));

        WhisperModelFile.ProblemWithWhisperModel(path).Should().BeNull();
        WhisperModelFile.ProblemWithVadModel(path).Should().StartWith("not a whisper.cpp VAD model");
    }

    [Fact]
    public void A_vad_header_passes_as_vad_and_not_as_whisper()
    {
        var path = Write("silero.bin", SileroHeader());

        WhisperModelFile.ProblemWithVadModel(path).Should().BeNull();
        WhisperModelFile.ProblemWithWhisperModel(path).Should().StartWith("not a whisper model");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(30)]
    public void Cut_files_are_reported_as_such(int keep)
    {
        var whisper = Write("cut.bin", Ints(0x67676d6c, 51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1)[..keep]);
        var vad = Write("cut-vad.bin", SileroHeader()[..keep]);

        WhisperModelFile.ProblemWithWhisperModel(whisper).Should().NotBeNull();
        WhisperModelFile.ProblemWithVadModel(vad).Should().NotBeNull();
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        WhisperModelFile.ProblemWithWhisperModel(Path.Combine(work.FullName, "none.bin")).Should().Be("the file does not exist");
    }

    private static byte[] SileroHeader()
    {
        var type = "silero-16k"u8.ToArray();
        return
        [
            .. Ints(0x67676d6c, type.Length), .. type,
            .. Ints(6, 2, 0, 512, 64, 4),                          // version, n_window, n_context, n_encoder_layers
            .. Ints(129, 128, 3, 128, 64, 3, 64, 64, 3, 64, 128, 3), // per layer: in, out, kernel
            .. Ints(128, 128, 128, 1),                             // lstm in/hidden, final conv in/out
        ];
    }

    private static byte[] Ints(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(work.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
