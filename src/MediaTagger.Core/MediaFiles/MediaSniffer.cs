using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MediaTagger.Core.MediaFiles;

/// <summary>
/// Decides what a file is from its first bytes (magic numbers and container headers), never from its name.
/// Containers that may hold video or audio only (MP4, Matroska, AVI, MPEG-TS) are reported as video; the probe stage
/// corrects the kind once ffprobe has listed the streams.
/// </summary>
public static class MediaSniffer
{
    /// <summary>How much of a file <see cref="DetectFile(string)"/> reads: enough for two MPEG audio frames and an Ogg page.</summary>
    public const int HeadBytes = 4096;

    // An ID3 tag with cover art can be megabytes long; follow a few, then give up on what is behind them.
    private const int MaxId3Tags = 4;

    public static readonly MediaType Jpeg = new(MediaKind.Image, "jpeg", "image/jpeg");
    public static readonly MediaType Png = new(MediaKind.Image, "png", "image/png");
    public static readonly MediaType Gif = new(MediaKind.Image, "gif", "image/gif");
    public static readonly MediaType Webp = new(MediaKind.Image, "webp", "image/webp");
    public static readonly MediaType Bmp = new(MediaKind.Image, "bmp", "image/bmp");
    public static readonly MediaType Tiff = new(MediaKind.Image, "tiff", "image/tiff");
    public static readonly MediaType Heic = new(MediaKind.Image, "heic", "image/heic");
    public static readonly MediaType Heif = new(MediaKind.Image, "heif", "image/heif");
    public static readonly MediaType Avif = new(MediaKind.Image, "avif", "image/avif");

    public static readonly MediaType Wav = new(MediaKind.Audio, "wav", "audio/wav");
    public static readonly MediaType Aiff = new(MediaKind.Audio, "aiff", "audio/aiff");
    public static readonly MediaType Mp3 = new(MediaKind.Audio, "mp3", "audio/mpeg");
    public static readonly MediaType Mp2 = new(MediaKind.Audio, "mp2", "audio/mpeg");
    public static readonly MediaType Aac = new(MediaKind.Audio, "aac", "audio/aac");
    public static readonly MediaType Flac = new(MediaKind.Audio, "flac", "audio/flac");
    public static readonly MediaType OggVorbis = new(MediaKind.Audio, "ogg", "audio/ogg");
    public static readonly MediaType OggOpus = new(MediaKind.Audio, "opus", "audio/ogg");
    public static readonly MediaType M4a = new(MediaKind.Audio, "m4a", "audio/mp4");

    public static readonly MediaType Mp4 = new(MediaKind.Video, "mp4", "video/mp4");
    public static readonly MediaType ThreeGp = new(MediaKind.Video, "3gp", "video/3gpp");
    public static readonly MediaType Mov = new(MediaKind.Video, "mov", "video/quicktime");
    public static readonly MediaType Mkv = new(MediaKind.Video, "mkv", "video/x-matroska");
    public static readonly MediaType Webm = new(MediaKind.Video, "webm", "video/webm");
    public static readonly MediaType Avi = new(MediaKind.Video, "avi", "video/x-msvideo");
    public static readonly MediaType Ogv = new(MediaKind.Video, "ogv", "video/ogg");
    public static readonly MediaType MpegTs = new(MediaKind.Video, "ts", "video/mp2t");
    public static readonly MediaType MpegPs = new(MediaKind.Video, "mpeg", "video/mpeg");

    // Byte arrays, not u8 literals: a u8 literal would encode 0x80 and up as two UTF-8 bytes.
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] TheoraMagic = [0x80, 0x74, 0x68, 0x65, 0x6F, 0x72, 0x61];  // "\x80theora"
    private static readonly byte[] DiracMagic = [0x42, 0x42, 0x43, 0x44, 0x00];              // "BBCD\0"
    private static readonly byte[] VorbisMagic = [0x01, 0x76, 0x6F, 0x72, 0x62, 0x69, 0x73]; // "\x01vorbis"
    private static readonly byte[] OggFlacMagic = [0x7F, 0x46, 0x4C, 0x41, 0x43];            // "\x7fFLAC"
    private static readonly byte[] EbmlMagic = [0x1A, 0x45, 0xDF, 0xA3];
    private static readonly byte[] MpegPackHeader = [0x00, 0x00, 0x01, 0xBA];

    // When the major brand is generic (mif1) or unknown, the most specific compatible brand wins.
    private static readonly MediaType[] CompatibleBrandPreference = [Avif, Heic, M4a, Mov, ThreeGp, Mp4, Heif];

    // Extensions that agree with each format. Raw camera formats are TIFF inside, and a WebM file is valid Matroska.
    private static readonly Dictionary<string, string[]> Extensions = new(StringComparer.Ordinal)
    {
        ["jpeg"] = [".jpg", ".jpeg", ".jpe", ".jfif"],
        ["png"] = [".png", ".apng"],
        ["gif"] = [".gif"],
        ["webp"] = [".webp"],
        ["bmp"] = [".bmp", ".dib"],
        ["tiff"] = [".tif", ".tiff", ".dng", ".nef", ".cr2", ".arw", ".pef", ".srw", ".sr2", ".erf", ".3fr"],
        ["heic"] = [".heic", ".heif", ".hif"],
        ["heif"] = [".heif", ".heic", ".hif"],
        ["avif"] = [".avif"],
        ["wav"] = [".wav", ".wave", ".bwf"],
        ["aiff"] = [".aif", ".aiff", ".aifc"],
        ["mp3"] = [".mp3", ".mpga"],
        ["mp2"] = [".mp2", ".mpa", ".mp1", ".mp3"],
        ["aac"] = [".aac", ".adts"],
        ["flac"] = [".flac"],
        ["ogg"] = [".ogg", ".oga"],
        ["opus"] = [".opus", ".ogg", ".oga"],
        ["m4a"] = [".m4a", ".m4b", ".m4p", ".mp4"],
        ["mp4"] = [".mp4", ".m4v", ".m4a", ".m4b", ".f4v"],
        ["3gp"] = [".3gp", ".3g2", ".3gpp"],
        ["mov"] = [".mov", ".qt"],
        ["mkv"] = [".mkv", ".mka", ".mks", ".mk3d"],
        ["webm"] = [".webm", ".weba", ".mkv", ".mka"],
        ["avi"] = [".avi"],
        ["ogv"] = [".ogv", ".ogg"],
        ["ts"] = [".ts", ".mts", ".m2ts", ".m2t", ".tsv"],
        ["mpeg"] = [".mpg", ".mpeg", ".vob", ".mpe"],
    };

    /// <summary>
    /// The media type of a file whose first bytes are <paramref name="head"/> (pass <see cref="HeadBytes"/> bytes, or
    /// the whole file if it is shorter). Returns <see cref="MediaType.Unknown"/> when nothing matches.
    /// </summary>
    public static MediaType Detect(ReadOnlySpan<byte> head) => Detect(head, out _);

    /// <summary>Reads the head of <paramref name="path"/> and detects its type (following ID3 tags longer than the head).</summary>
    /// <exception cref="IOException">The file cannot be opened or read (missing, permission denied, ...).</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static MediaType DetectFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return DetectFile(handle);
    }

    /// <summary>Detects the type of an open file, reading at most a few heads from it (the file position is not used).</summary>
    public static MediaType DetectFile(SafeFileHandle file)
    {
        var buffer = new byte[HeadBytes];
        long offset = 0;
        for (var tags = 0; tags < MaxId3Tags; tags++)
        {
            var read = ReadAt(file, buffer, offset);
            var type = Detect(buffer.AsSpan(0, read), out var tagEnd);
            if (tagEnd is not { } end)
            {
                // Behind ID3 tags only an audio format counts; the tag alone already says MP3.
                return offset == 0 || type.Kind == MediaKind.Audio ? type : Mp3;
            }

            offset += end;
        }

        return Mp3;
    }

    /// <summary>
    /// A note for the user when the file name's extension names another format than the content, for example
    /// "content is png but the extension says .mp3"; null when they agree, the type is unknown, or there is no extension.
    /// </summary>
    public static string? ExtensionMismatch(MediaType type, string path)
    {
        ArgumentNullException.ThrowIfNull(type);
        var extension = Path.GetExtension(path);
        if (type.Kind == MediaKind.Unknown || string.IsNullOrEmpty(extension) || extension == ".")
        {
            return null;
        }

        var lower = extension.ToLowerInvariant();
        if (Extensions.TryGetValue(type.Format, out var allowed) && allowed.Contains(lower, StringComparer.Ordinal))
        {
            return null;
        }

        return $"content is {type.Format} but the extension says {extension}";
    }

    /// <param name="id3End">Set when the head starts with an ID3 tag that ends beyond it: where the tag ends.</param>
    private static MediaType Detect(ReadOnlySpan<byte> head, out long? id3End)
    {
        id3End = null;
        if (head.Length < 4)
        {
            return MediaType.Unknown;
        }

        if (Id3TagLength(head) is { } tagLength)
        {
            if (tagLength + 4 > head.Length)
            {
                id3End = tagLength;
                return Mp3;
            }

            // Some encoders put an ID3 tag in front of FLAC or ADTS; what follows the tag decides, MP3 otherwise.
            var behind = Detect(head[(int)tagLength..], out var innerEnd);
            id3End = tagLength + innerEnd;
            return behind.Kind == MediaKind.Audio ? behind : Mp3;
        }

        return Image(head) ?? Riff(head) ?? IsoMedia(head) ?? Matroska(head) ?? Ogg(head) ?? OtherAudio(head) ?? MpegStreams(head)
            ?? MediaType.Unknown;
    }

    private static MediaType? Image(ReadOnlySpan<byte> h)
    {
        if (h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
        {
            return Jpeg;
        }

        if (h.StartsWith(PngSignature))
        {
            return Png;
        }

        if (h.StartsWith("GIF87a"u8) || h.StartsWith("GIF89a"u8))
        {
            return Gif;
        }

        // "II*\0" little-endian, "MM\0*" big-endian; 43 instead of 42 is BigTIFF.
        if ((h[0] == 'I' && h[1] == 'I' && h[2] is 42 or 43 && h[3] == 0) || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && h[3] is 42 or 43))
        {
            return Tiff;
        }

        // "BM" alone is too common a start; also require a known DIB header size.
        if (h.Length >= 18 && h[0] == 'B' && h[1] == 'M'
            && BinaryPrimitives.ReadUInt32LittleEndian(h[14..]) is 12 or 16 or 40 or 52 or 56 or 64 or 108 or 124)
        {
            return Bmp;
        }

        return null;
    }

    private static MediaType? Riff(ReadOnlySpan<byte> h)
    {
        if (h.Length < 12)
        {
            return null;
        }

        var form = h.Slice(8, 4);
        if (h.StartsWith("RIFF"u8))
        {
            return form.SequenceEqual("WAVE"u8) ? Wav
                : form.SequenceEqual("WEBP"u8) ? Webp
                : form.SequenceEqual("AVI "u8) ? Avi
                : null;
        }

        // RF64 and BW64 are WAV for files over 4 GB.
        if ((h.StartsWith("RF64"u8) || h.StartsWith("BW64"u8)) && form.SequenceEqual("WAVE"u8))
        {
            return Wav;
        }

        if (h.StartsWith("FORM"u8) && (form.SequenceEqual("AIFF"u8) || form.SequenceEqual("AIFC"u8)))
        {
            return Aiff;
        }

        return null;
    }

    /// <summary>ISO base media (MP4, MOV, M4A, HEIF, AVIF): the ftyp box's major brand, then its compatible brands.</summary>
    private static MediaType? IsoMedia(ReadOnlySpan<byte> h)
    {
        if (h.Length < 12)
        {
            return null;
        }

        var boxType = h.Slice(4, 4);
        if (!boxType.SequenceEqual("ftyp"u8))
        {
            // QuickTime files from before ftyp existed start with one of these atoms.
            var size = BinaryPrimitives.ReadUInt32BigEndian(h);
            return size >= 8 && (boxType.SequenceEqual("moov"u8) || boxType.SequenceEqual("mdat"u8) || boxType.SequenceEqual("wide"u8)
                || boxType.SequenceEqual("pnot"u8)) ? Mov : null;
        }

        var boxSize = BinaryPrimitives.ReadUInt32BigEndian(h);
        if (boxSize < 12)
        {
            return null;
        }

        var major = Brand(h.Slice(8, 4));
        var byMajor = ByBrand(major);
        if (byMajor is not null && byMajor != Heif)
        {
            return byMajor;
        }

        // mif1/msf1 (generic HEIF) or an unknown major brand: the compatible brands say what the file really is.
        var end = (int)Math.Min(boxSize, (uint)h.Length);
        MediaType? best = byMajor;
        for (var offset = 16; offset + 4 <= end; offset += 4)
        {
            var candidate = ByBrand(Brand(h.Slice(offset, 4)));
            if (candidate is not null && Rank(candidate) < Rank(best))
            {
                best = candidate;
            }
        }

        return best;

        static int Rank(MediaType? type) => type is null ? int.MaxValue : Array.IndexOf(CompatibleBrandPreference, type);
    }

    private static string Brand(ReadOnlySpan<byte> fourCc) => Encoding.Latin1.GetString(fourCc);

    private static MediaType? ByBrand(string brand) => brand switch
    {
        "avif" or "avis" => Avif,
        "heic" or "heix" or "heim" or "heis" or "hevc" or "hevx" => Heic,
        "mif1" or "msf1" => Heif,
        "M4A " or "M4B " or "M4P " => M4a,
        "qt  " => Mov,
        _ when brand.StartsWith("3gp", StringComparison.Ordinal) || brand.StartsWith("3g2", StringComparison.Ordinal) => ThreeGp,
        "isom" or "iso2" or "iso3" or "iso4" or "iso5" or "iso6" or "iso7" or "iso8" or "iso9" or "mp41" or "mp42" or "mp71"
            or "avc1" or "dash" or "M4V " or "M4VH" or "M4VP" or "MSNV" or "f4v " or "XAVC" or "mmp4" or "NDAS" => Mp4,
        _ => null,
    };

    /// <summary>EBML header: the DocType element says matroska or webm (absent means matroska).</summary>
    private static MediaType? Matroska(ReadOnlySpan<byte> h)
    {
        if (!h.StartsWith(EbmlMagic))
        {
            return null;
        }

        var pos = 4;
        if (!ReadVint(h, ref pos, keepMarker: false, out var headerSize))
        {
            return Mkv;
        }

        var end = (int)Math.Min((ulong)h.Length, (ulong)pos + headerSize);
        while (pos < end)
        {
            if (!ReadVint(h, ref pos, keepMarker: true, out var id) || !ReadVint(h, ref pos, keepMarker: false, out var size)
                || size > (ulong)(end - pos))
            {
                break;
            }

            if (id == 0x4282)
            {
                var docType = Encoding.ASCII.GetString(h.Slice(pos, (int)size)).TrimEnd('\0');
                return docType == "webm" ? Webm : Mkv;
            }

            pos += (int)size;
        }

        return Mkv;
    }

    /// <summary>An EBML variable-length integer; IDs keep their length marker bit, sizes do not.</summary>
    private static bool ReadVint(ReadOnlySpan<byte> h, ref int pos, bool keepMarker, out ulong value)
    {
        value = 0;
        if (pos >= h.Length || h[pos] == 0)
        {
            return false;
        }

        var length = System.Numerics.BitOperations.LeadingZeroCount((uint)h[pos]) - 24 + 1;
        if (pos + length > h.Length)
        {
            return false;
        }

        value = keepMarker ? h[pos] : (ulong)(h[pos] & (0xFF >> length));
        for (var i = 1; i < length; i++)
        {
            value = (value << 8) | h[pos + i];
        }

        pos += length;
        return true;
    }

    /// <summary>
    /// Ogg: the codec is in the first packet of each beginning-of-stream page. Theora (or Dirac) anywhere among them
    /// means video, even behind a Skeleton stream.
    /// </summary>
    private static MediaType? Ogg(ReadOnlySpan<byte> h)
    {
        if (!h.StartsWith("OggS\0"u8))
        {
            return null;
        }

        MediaType? audio = null;
        var page = 0;
        while (page + 27 <= h.Length && h[page..].StartsWith("OggS\0"u8) && (h[page + 5] & 0x02) != 0)
        {
            var segments = h[page + 26];
            var dataStart = page + 27 + segments;
            if (dataStart > h.Length)
            {
                break;
            }

            var dataLength = 0;
            foreach (var lace in h.Slice(page + 27, segments))
            {
                dataLength += lace;
            }

            var packet = h[dataStart..];
            if (packet.StartsWith(TheoraMagic) || packet.StartsWith(DiracMagic))
            {
                return Ogv;
            }

            audio ??= packet.StartsWith("OpusHead"u8) ? OggOpus
                : packet.StartsWith(VorbisMagic) || packet.StartsWith(OggFlacMagic) || packet.StartsWith("Speex   "u8) ? OggVorbis
                : null;
            page = dataStart + dataLength;
        }

        // An Ogg stream we do not recognise is most likely audio; ffprobe lists what it really holds.
        return audio ?? OggVorbis;
    }

    private static MediaType? OtherAudio(ReadOnlySpan<byte> h)
    {
        if (h.StartsWith("fLaC"u8))
        {
            return Flac;
        }

        if (h[0] != 0xFF)
        {
            return null;
        }

        if (AdtsFrameLength(h) is { } adts)
        {
            return NextFrameAgrees(h, adts, AdtsFrameLength) ? Aac : null;
        }

        if (MpegAudioFrame(h) is { } frame)
        {
            // One valid-looking header happens in random data; the next frame must start where this one ends.
            return NextFrameAgrees(h, frame.Length, s => MpegAudioFrame(s) is { } next && next.Version == frame.Version && next.Layer == frame.Layer
                ? next.Length : null)
                ? (frame.Layer == 3 ? Mp3 : Mp2)
                : null;
        }

        return null;
    }

    /// <summary>True when a frame header follows at <paramref name="length"/>, or the head ends exactly there.</summary>
    private static bool NextFrameAgrees(ReadOnlySpan<byte> h, int length, FrameReader reader) =>
        h.Length == length || (h.Length >= length + 7 && reader(h[length..]) is not null);

    private delegate int? FrameReader(ReadOnlySpan<byte> head);

    private static readonly int[][] MpegBitrates =
    [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // MPEG-1 layer I
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],    // MPEG-1 layer II
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],     // MPEG-1 layer III
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],    // MPEG-2/2.5 layer I
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],         // MPEG-2/2.5 layers II and III
    ];

    private static readonly int[] MpegSampleRates = [44100, 48000, 32000];

    /// <summary>An MPEG audio frame header (11 sync bits, no reserved values, not free-format): version, layer and length.</summary>
    private static (int Version, int Layer, int Length)? MpegAudioFrame(ReadOnlySpan<byte> h)
    {
        if (h.Length < 4 || h[0] != 0xFF || (h[1] & 0xE0) != 0xE0)
        {
            return null;
        }

        var versionBits = (h[1] >> 3) & 3;    // 0 = 2.5, 1 = reserved, 2 = MPEG-2, 3 = MPEG-1
        var layerBits = (h[1] >> 1) & 3;      // 0 = reserved, 1 = III, 2 = II, 3 = I
        var bitrateIndex = h[2] >> 4;         // 0 = free format, 15 = invalid
        var rateIndex = (h[2] >> 2) & 3;      // 3 = reserved
        if (versionBits == 1 || layerBits == 0 || bitrateIndex is 0 or 15 || rateIndex == 3 || (h[3] & 3) == 2)
        {
            return null;
        }

        var layer = 4 - layerBits;
        var mpeg1 = versionBits == 3;
        var table = mpeg1 ? layer - 1 : (layer == 1 ? 3 : 4);
        var bitrate = MpegBitrates[table][bitrateIndex] * 1000;
        var sampleRate = MpegSampleRates[rateIndex] >> (mpeg1 ? 0 : versionBits == 2 ? 1 : 2); // MPEG-2 halves, 2.5 quarters
        var padding = (h[2] >> 1) & 1;
        var length = layer == 1
            ? (12 * bitrate / sampleRate + padding) * 4
            : ((layer == 3 && !mpeg1 ? 72 : 144) * bitrate / sampleRate) + padding;
        return (versionBits, layer, length);
    }

    /// <summary>An ADTS (raw AAC) header: 12 sync bits with layer 0, a valid sample-rate index; its frame length.</summary>
    private static int? AdtsFrameLength(ReadOnlySpan<byte> h)
    {
        if (h.Length < 7 || h[0] != 0xFF || (h[1] & 0xF6) != 0xF0 || ((h[2] >> 2) & 0xF) >= 13)
        {
            return null;
        }

        var length = ((h[3] & 3) << 11) | (h[4] << 3) | (h[5] >> 5);
        var headerLength = (h[1] & 1) == 0 ? 9 : 7; // protection_absent = 0 adds a CRC
        return length > headerLength ? length : null;
    }

    /// <summary>MPEG transport streams (sync byte every 188 bytes, or 192 with a timecode prefix) and program streams.</summary>
    private static MediaType? MpegStreams(ReadOnlySpan<byte> h)
    {
        if (SyncEvery(h, 0, 188) || SyncEvery(h, 4, 192))
        {
            return MpegTs;
        }

        return h.StartsWith(MpegPackHeader) ? MpegPs : null;

        static bool SyncEvery(ReadOnlySpan<byte> h, int first, int stride)
        {
            const int Packets = 4;
            if (h.Length <= first + ((Packets - 1) * stride))
            {
                return false;
            }

            for (var i = 0; i < Packets; i++)
            {
                if (h[first + (i * stride)] != 0x47)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The length of an ID3v2 tag at the start (header, body and footer), or null when there is none.</summary>
    private static long? Id3TagLength(ReadOnlySpan<byte> h)
    {
        if (h.Length < 10 || !h.StartsWith("ID3"u8) || h[3] is < 2 or > 4 || h[4] == 0xFF)
        {
            return null;
        }

        // The size is "syncsafe": 4 bytes of 7 bits each.
        if (((h[6] | h[7] | h[8] | h[9]) & 0x80) != 0)
        {
            return null;
        }

        var size = ((long)h[6] << 21) | ((long)h[7] << 14) | ((long)h[8] << 7) | h[9];
        var footer = (h[5] & 0x10) != 0 ? 10 : 0;
        return 10 + size + footer;
    }

    private static int ReadAt(SafeFileHandle file, byte[] buffer, long offset)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = RandomAccess.Read(file, buffer.AsSpan(filled), offset + filled);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }
}
