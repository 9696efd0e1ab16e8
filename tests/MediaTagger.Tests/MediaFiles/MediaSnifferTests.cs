using System.Buffers.Binary;
using System.Text;
using MediaTagger.Core.MediaFiles;

namespace MediaTagger.Tests.MediaFiles;

/// <summary>The content sniffer against headers built by hand from the format specifications.</summary>
public sealed class MediaSnifferTests : IDisposable
{
    private readonly string temp = Directory.CreateTempSubdirectory("mt-sniff-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [Theory]
    [InlineData("jpeg", "FF D8 FF E0 00 10 4A 46 49 46 00 01")]
    [InlineData("jpeg", "FF D8 FF E1 12 34 45 78 69 66 00 00")] // Exif
    [InlineData("png", "89 50 4E 47 0D 0A 1A 0A 00 00 00 0D 49 48 44 52")]
    [InlineData("gif", "47 49 46 38 39 61 01 00 01 00")]
    [InlineData("gif", "47 49 46 38 37 61 01 00 01 00")]
    [InlineData("tiff", "49 49 2A 00 08 00 00 00")] // little-endian
    [InlineData("tiff", "4D 4D 00 2A 00 00 00 08")] // big-endian
    [InlineData("tiff", "49 49 2B 00 08 00 00 00")] // BigTIFF
    public void Images_are_known_by_their_signature(string format, string hex) =>
        MediaSniffer.Detect(Hex(hex)).Should().Be(new MediaType(MediaKind.Image, format, Mime(format)));

    [Fact]
    public void A_bmp_needs_a_known_dib_header_after_BM()
    {
        var bmp = new byte[54];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(2), 54);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(14), 40); // BITMAPINFOHEADER

        MediaSniffer.Detect(bmp).Should().Be(MediaSniffer.Bmp);
        MediaSniffer.Detect("BM is how this text file begins, and that is all."u8).Should().Be(MediaType.Unknown);
    }

    [Theory]
    [InlineData("WAVE", "wav", MediaKind.Audio)]
    [InlineData("WEBP", "webp", MediaKind.Image)]
    [InlineData("AVI ", "avi", MediaKind.Video)]
    public void Riff_files_are_told_apart_by_their_form_type(string form, string format, MediaKind kind)
    {
        var head = Concat("RIFF"u8.ToArray(), [0x24, 0x08, 0, 0], Encoding.ASCII.GetBytes(form), "fmt "u8.ToArray(), new byte[16]);

        var type = MediaSniffer.Detect(head);

        type.Kind.Should().Be(kind);
        type.Format.Should().Be(format);
    }

    [Fact]
    public void A_riff_file_of_another_form_is_unknown() =>
        MediaSniffer.Detect(Concat("RIFF"u8.ToArray(), [0x24, 0, 0, 0], "CDXA"u8.ToArray(), new byte[16])).Should().Be(MediaType.Unknown);

    [Theory]
    [InlineData("heic", new[] { "mif1", "heic" }, "heic")]
    [InlineData("mif1", new[] { "mif1", "heic" }, "heic")]
    [InlineData("avif", new[] { "avif", "mif1", "miaf" }, "avif")]
    [InlineData("mif1", new[] { "avif", "mif1", "miaf" }, "avif")]
    [InlineData("mif1", new[] { "mif1", "miaf" }, "heif")]
    public void Heif_and_avif_are_known_by_their_ftyp_brands(string major, string[] compatible, string format)
    {
        var type = MediaSniffer.Detect(Ftyp(major, compatible));

        type.Should().Be(new MediaType(MediaKind.Image, format, Mime(format)));
    }

    [Theory]
    [InlineData("isom", new[] { "isom", "iso2", "avc1", "mp41" }, MediaKind.Video, "mp4")]
    [InlineData("mp42", new[] { "mp42", "isom" }, MediaKind.Video, "mp4")]
    [InlineData("qt  ", new[] { "qt  " }, MediaKind.Video, "mov")]
    [InlineData("M4A ", new[] { "M4A ", "mp42", "isom" }, MediaKind.Audio, "m4a")]
    [InlineData("M4B ", new[] { "M4B ", "mp42", "isom" }, MediaKind.Audio, "m4a")]
    [InlineData("3gp5", new[] { "3gp5", "isom" }, MediaKind.Video, "3gp")]
    [InlineData("abcd", new[] { "abcd", "mp42" }, MediaKind.Video, "mp4")] // unknown major, known compatible brand
    public void Iso_media_is_known_by_its_brands(string major, string[] compatible, MediaKind kind, string format)
    {
        var type = MediaSniffer.Detect(Ftyp(major, compatible));

        type.Kind.Should().Be(kind);
        type.Format.Should().Be(format);
    }

    [Fact]
    public void An_iso_media_file_with_only_unknown_brands_is_unknown_not_video() =>
        MediaSniffer.Detect(Ftyp("crx ", ["crx ", "abcd"])).Should().Be(MediaType.Unknown); // Canon CR3 raw

    [Fact]
    public void A_quicktime_file_without_ftyp_is_mov() =>
        MediaSniffer.Detect(Concat([0, 0, 0, 0x20], "moov"u8.ToArray(), new byte[24])).Should().Be(MediaSniffer.Mov);

    [Theory]
    [InlineData("webm", "webm")]
    [InlineData("matroska", "mkv")]
    public void Matroska_and_webm_are_told_apart_by_the_ebml_doctype(string docType, string format)
    {
        var type = MediaSniffer.Detect(Ebml(docType));

        type.Kind.Should().Be(MediaKind.Video);
        type.Format.Should().Be(format);
    }

    [Fact]
    public void An_ebml_header_without_a_doctype_is_matroska_by_default() =>
        MediaSniffer.Detect(Hex("1A 45 DF A3 84 42 86 81 01")).Should().Be(MediaSniffer.Mkv);

    [Fact]
    public void Flac_is_known_by_fLaC() =>
        MediaSniffer.Detect(Concat("fLaC"u8.ToArray(), Hex("00 00 00 22 10 00 10 00"))).Should().Be(MediaSniffer.Flac);

    [Fact]
    public void Ogg_opus_vorbis_and_theora_are_told_apart_by_the_first_packet()
    {
        MediaSniffer.Detect(OggPage(Concat("OpusHead"u8.ToArray(), [1, 1, 0x38, 1, 0x80, 0xBB, 0, 0, 0, 0, 0]))).Should().Be(MediaSniffer.OggOpus);
        MediaSniffer.Detect(OggPage(Concat([1], "vorbis"u8.ToArray(), new byte[23]))).Should().Be(MediaSniffer.OggVorbis);
        MediaSniffer.Detect(OggPage(Concat([0x80], "theora"u8.ToArray(), new byte[35]))).Should().Be(MediaSniffer.Ogv);
    }

    [Fact]
    public void Ogg_theora_behind_a_skeleton_stream_is_still_video()
    {
        var skeleton = OggPage(Concat("fishead\0"u8.ToArray(), new byte[56]));
        var theora = OggPage(Concat([0x80], "theora"u8.ToArray(), new byte[35]));

        MediaSniffer.Detect(Concat(skeleton, theora)).Kind.Should().Be(MediaKind.Video);
    }

    [Fact]
    public void Mp3_is_two_consecutive_valid_frame_headers()
    {
        // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding: 144 * 128000 / 44100 = 417 bytes per frame.
        var frames = new byte[417 * 3];
        for (var i = 0; i < 3; i++)
        {
            Hex("FF FB 90 64").CopyTo(frames, i * 417);
        }

        MediaSniffer.Detect(frames).Should().Be(MediaSniffer.Mp3);
    }

    [Fact]
    public void A_lone_frame_header_in_noise_is_not_mp3()
    {
        var random = new Random(20240611);
        var noise = new byte[MediaSniffer.HeadBytes];
        random.NextBytes(noise);
        Hex("FF FB 90 64").CopyTo(noise, 0);
        noise[417] = 0x00; // where the second frame would have to start

        MediaSniffer.Detect(noise).Should().Be(MediaType.Unknown);
    }

    [Theory]
    [InlineData("FF FB F0 64")] // bitrate index 15 is invalid
    [InlineData("FF FB 9C 64")] // sample-rate index 3 is reserved
    [InlineData("FF F9 90 64")] // layer 0 is not MPEG audio, and as ADTS its frame length would be 0
    [InlineData("FF EB 90 64")] // version 01 is reserved
    [InlineData("FF FB 00 64")] // free-format bitrate
    public void Invalid_mpeg_frame_headers_are_not_mp3(string header)
    {
        var frames = new byte[417 * 3];
        for (var i = 0; i < 3; i++)
        {
            Hex(header).CopyTo(frames, i * 417);
        }

        MediaSniffer.Detect(frames).Kind.Should().NotBe(MediaKind.Audio);
    }

    [Fact]
    public void Random_bytes_starting_with_0xFF_are_not_audio()
    {
        var random = new Random(7);
        var head = new byte[MediaSniffer.HeadBytes];
        for (var i = 0; i < 500; i++)
        {
            random.NextBytes(head);
            head[0] = 0xFF;
            MediaSniffer.Detect(head).Should().Be(MediaType.Unknown, "noise #{0} starts {1}", i, Convert.ToHexString(head, 0, 4));
        }
    }

    [Fact]
    public void An_id3_tag_means_mp3()
    {
        var tag = Id3(bodyLength: 100);

        MediaSniffer.Detect(Concat(tag, new byte[50])).Should().Be(MediaSniffer.Mp3);
        MediaSniffer.Detect(Id3(bodyLength: 100_000)).Should().Be(MediaSniffer.Mp3); // tag longer than the head
    }

    [Fact]
    public void Flac_or_aac_behind_an_id3_tag_is_what_follows_the_tag()
    {
        MediaSniffer.Detect(Concat(Id3(bodyLength: 64), "fLaC"u8.ToArray(), new byte[40])).Should().Be(MediaSniffer.Flac);
        MediaSniffer.Detect(Concat(Id3(bodyLength: 64), AdtsFrames(3))).Should().Be(MediaSniffer.Aac);
    }

    [Fact]
    public void DetectFile_looks_behind_an_id3_tag_longer_than_the_head()
    {
        var path = Path.Combine(temp, "cover-art.flac");
        File.WriteAllBytes(path, Concat(Id3(bodyLength: 20_000), "fLaC"u8.ToArray(), new byte[64]));

        MediaSniffer.DetectFile(path).Should().Be(MediaSniffer.Flac);
    }

    [Fact]
    public void Adts_aac_is_two_consecutive_adts_headers() =>
        MediaSniffer.Detect(AdtsFrames(3)).Should().Be(MediaSniffer.Aac);

    [Fact]
    public void An_mpeg_transport_stream_is_a_sync_byte_every_188_bytes()
    {
        var ts = new byte[188 * 5];
        for (var i = 0; i < 5; i++)
        {
            ts[i * 188] = 0x47;
        }

        MediaSniffer.Detect(ts).Should().Be(MediaSniffer.MpegTs);
        ts[188 * 2] = 0x46;
        MediaSniffer.Detect(ts).Should().Be(MediaType.Unknown);
    }

    [Theory]
    [InlineData("")]
    [InlineData("FF")]
    [InlineData("FF D8")]
    [InlineData("89 50 4E")]
    [InlineData("1A 45 DF A3 FF")]
    [InlineData("4F 67 67 53 00 02")]
    [InlineData("00 00 00 18 66 74 79 70")]
    [InlineData("49 44 33 04 00")]
    public void Short_or_cut_heads_never_throw(string hex) =>
        FluentActions.Invoking(() => MediaSniffer.Detect(Hex(hex))).Should().NotThrow();

    [Fact]
    public void Text_is_unknown() =>
        MediaSniffer.Detect("# Notes\nNothing to see here, just text that is long enough.\n"u8).Should().Be(MediaType.Unknown);

    [Theory]
    [InlineData("png", "song.mp3", "content is png but the extension says .mp3")]
    [InlineData("jpeg", "/photos/cat.PNG", "content is jpeg but the extension says .PNG")]
    [InlineData("mp4", "clip.mkv", "content is mp4 but the extension says .mkv")]
    [InlineData("png", "scan.dat", "content is png but the extension says .dat")]
    public void A_wrong_extension_is_noted(string format, string path, string note) =>
        MediaSniffer.ExtensionMismatch(TypeOf(format), path).Should().Be(note);

    [Theory]
    [InlineData("jpeg", "IMG_0001.JPG")]
    [InlineData("jpeg", "photo.jpeg")]
    [InlineData("webm", "talk.mkv")] // WebM is Matroska
    [InlineData("tiff", "raw.DNG")]  // DNG is TIFF inside
    [InlineData("mp4", "song.m4a")]  // an m4a written with an isom brand
    [InlineData("png", "no-extension")]
    public void A_matching_or_missing_extension_is_not_noted(string format, string path) =>
        MediaSniffer.ExtensionMismatch(TypeOf(format), path).Should().BeNull();

    [Fact]
    public void Unknown_content_gets_no_extension_note() =>
        MediaSniffer.ExtensionMismatch(MediaType.Unknown, "x.mp3").Should().BeNull();

    private static MediaType TypeOf(string format) => format switch
    {
        "png" => MediaSniffer.Png,
        "jpeg" => MediaSniffer.Jpeg,
        "mp4" => MediaSniffer.Mp4,
        "webm" => MediaSniffer.Webm,
        "tiff" => MediaSniffer.Tiff,
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static string Mime(string format) => format switch
    {
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "tiff" => "image/tiff",
        "heic" => "image/heic",
        "heif" => "image/heif",
        "avif" => "image/avif",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static byte[] Ftyp(string major, string[] compatible)
    {
        var box = new byte[16 + (4 * compatible.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)box.Length);
        "ftyp"u8.CopyTo(box.AsSpan(4));
        Encoding.ASCII.GetBytes(major).CopyTo(box, 8);
        for (var i = 0; i < compatible.Length; i++)
        {
            Encoding.ASCII.GetBytes(compatible[i]).CopyTo(box, 16 + (4 * i));
        }

        return Concat(box, [0, 0, 0, 8], "free"u8.ToArray());
    }

    /// <summary>An EBML header: EBMLVersion 1, then DocType.</summary>
    private static byte[] Ebml(string docType)
    {
        var body = Concat(Hex("42 86 81 01"), Hex("42 82"), [(byte)(0x80 | docType.Length)], Encoding.ASCII.GetBytes(docType));
        return Concat(Hex("1A 45 DF A3"), [(byte)(0x80 | body.Length)], body, Hex("18 53 80 67 01 00 00 00 00 00 00 00"));
    }

    /// <summary>A beginning-of-stream Ogg page holding one packet.</summary>
    private static byte[] OggPage(byte[] packet)
    {
        var header = new byte[28];
        "OggS"u8.CopyTo(header);
        header[5] = 0x02; // beginning of stream
        header[26] = 1;   // one segment
        header[27] = (byte)packet.Length;
        return Concat(header, packet);
    }

    private static byte[] Id3(int bodyLength)
    {
        var tag = new byte[10 + bodyLength];
        "ID3"u8.CopyTo(tag);
        tag[3] = 4;
        tag[6] = (byte)((bodyLength >> 21) & 0x7F);
        tag[7] = (byte)((bodyLength >> 14) & 0x7F);
        tag[8] = (byte)((bodyLength >> 7) & 0x7F);
        tag[9] = (byte)(bodyLength & 0x7F);
        return tag;
    }

    /// <summary>ADTS frames: MPEG-4 AAC LC, 44.1 kHz, stereo, no CRC, 100 bytes each.</summary>
    private static byte[] AdtsFrames(int count)
    {
        const int Length = 100;
        var frames = new byte[Length * count];
        for (var i = 0; i < count; i++)
        {
            var f = frames.AsSpan(i * Length);
            f[0] = 0xFF;
            f[1] = 0xF1;
            f[2] = 0x50; // profile LC, sampling index 4 (44.1 kHz)
            f[3] = (byte)(0x80 | ((Length >> 11) & 3)); // channels 2
            f[4] = (byte)((Length >> 3) & 0xFF);
            f[5] = (byte)(((Length & 7) << 5) | 0x1F);
            f[6] = 0xFC;
        }

        return frames;
    }

    private static byte[] Hex(string hex) => hex.Length == 0 ? [] : Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
