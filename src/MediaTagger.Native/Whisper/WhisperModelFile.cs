using System.Buffers.Binary;
using System.Text;

namespace MediaTagger.Native.Whisper;

/// <summary>
/// Checks the header of a model file before whisper.cpp sees it. whisper.cpp's loaders trust the sizes they read: a
/// VAD model passed as a whisper model (or the reverse, or a file cut after its magic) makes them allocate from
/// garbage and abort the whole process (GGML_ASSERT). These checks turn those mistakes into exceptions. They cover the
/// header only; model files should still come from a trusted, checksummed source.
/// </summary>
internal static class WhisperModelFile
{
    private const uint GgmlMagic = 0x67676d6c; // "ggml", written little-endian

    /// <summary>Null when the file looks like a whisper.cpp model, else what is wrong with it.</summary>
    public static string? ProblemWithWhisperModel(string path)
    {
        if (Open(path, out var header) is { } openProblem)
        {
            return openProblem;
        }

        var reader = new HeaderReader(header);
        if (!reader.TryInt(out var magic) || (uint)magic != GgmlMagic)
        {
            return "not a whisper.cpp ggml model (bad magic)";
        }

        // n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state, n_text_head,
        // n_text_layer, n_mels, ftype
        string[] names = ["n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels"];
        foreach (var name in names)
        {
            if (!reader.TryInt(out var value))
            {
                return "the whisper model header is cut short (truncated file?)";
            }

            if (value is <= 0 or > 1_000_000)
            {
                return $"not a whisper model: {name} = {value} (is it a VAD model or another ggml file?)";
            }
        }

        if (!reader.TryInt(out var ftype))
        {
            return "the whisper model header is cut short (truncated file?)";
        }

        return ftype is < 0 or > 1_000_000 ? $"not a whisper model: ftype = {ftype}" : null;
    }

    /// <summary>Null when the file looks like a whisper.cpp VAD model (ggml Silero), else what is wrong with it.</summary>
    public static string? ProblemWithVadModel(string path)
    {
        if (Open(path, out var header) is { } openProblem)
        {
            return openProblem;
        }

        const string NotVad = "not a whisper.cpp VAD model (expected a ggml Silero model such as ggml-silero-v6.2.0.bin)";
        var reader = new HeaderReader(header);
        if (!reader.TryInt(out var magic) || (uint)magic != GgmlMagic)
        {
            return NotVad + ": bad magic";
        }

        if (!reader.TryInt(out var typeLength) || typeLength is <= 0 or > 128 || !reader.TryAscii(typeLength, out var type))
        {
            return NotVad + ": no model type name";
        }

        // version (3), n_window, n_context, n_encoder_layers
        if (!reader.TryInts(6, out var values) || values.Take(3).Any(v => v is < 0 or > 10_000)
            || values[3] is <= 0 or > 1_000_000 || values[4] is < 0 or > 1_000_000 || values[5] is <= 0 or > 64)
        {
            return $"{NotVad}: implausible header for type '{type}'";
        }

        // Each encoder layer: in channels, out channels, kernel size; then the LSTM and final conv sizes.
        if (!reader.TryInts((values[5] * 3) + 4, out var sizes) || sizes.Any(v => v is <= 0 or > 1_000_000))
        {
            return $"{NotVad}: implausible layer sizes for type '{type}'";
        }

        return null;
    }

    private static string? Open(string path, out byte[] header)
    {
        header = [];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            var buffer = new byte[4096];
            var n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            header = buffer[..n];
            return null;
        }
        catch (FileNotFoundException)
        {
            return "the file does not exist";
        }
        catch (DirectoryNotFoundException)
        {
            return "the file does not exist";
        }
        catch (UnauthorizedAccessException ex)
        {
            return "the file cannot be read: " + ex.Message;
        }
        catch (IOException ex)
        {
            return "the file cannot be read: " + ex.Message;
        }
    }

    private ref struct HeaderReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> data = data;
        private int position;

        public bool TryInt(out int value)
        {
            value = 0;
            if (position + 4 > data.Length)
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt32LittleEndian(data[position..]);
            position += 4;
            return true;
        }

        public bool TryInts(int count, out int[] values)
        {
            values = new int[count];
            for (var i = 0; i < count; i++)
            {
                if (!TryInt(out values[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public bool TryAscii(int length, out string text)
        {
            text = "";
            if (position + length > data.Length)
            {
                return false;
            }

            var bytes = data.Slice(position, length);
            foreach (var b in bytes)
            {
                if (b is < 0x20 or > 0x7e)
                {
                    return false;
                }
            }

            text = Encoding.ASCII.GetString(bytes);
            position += length;
            return true;
        }
    }
}
