using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Native.Vips;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>
/// The files a watched folder really receives besides good media, written into a fresh temp folder: empty,
/// truncated, mislabelled, random, oversized, a decompression bomb, unreadable, symbolic-link traps, a file that
/// vanishes before it is probed, and good files whose names are awkward (unicode and spaces, a 255-byte name at the
/// end of a very long path). Made from chelsea.png with libvips, so it needs libvips and ../shared.
/// </summary>
public sealed class BadInputCorpus : IDisposable
{
    /// <summary>What the pixel bomb's IHDR declares: 900 million pixels in a file of under a kilobyte.</summary>
    public const int BombSide = 30000;

    private BadInputCorpus(string root) => Root = root;

    public string Root { get; }

    public string Empty { get; private set; } = "";

    public string TruncatedJpeg { get; private set; } = "";

    public string TruncatedPng { get; private set; } = "";

    /// <summary>Random bytes named .jpg.</summary>
    public string RandomBytes { get; private set; } = "";

    /// <summary>A complete, valid PNG named .mp3.</summary>
    public string PngNamedMp3 { get; private set; } = "";

    /// <summary>A valid PNG header declaring <see cref="BombSide"/> x <see cref="BombSide"/>, with a tiny IDAT.</summary>
    public string PixelBomb { get; private set; } = "";

    /// <summary>A PNG with mode 000.</summary>
    public string Unreadable { get; private set; } = "";

    /// <summary>Two symbolic links pointing at each other.</summary>
    public string SymlinkLoop { get; private set; } = "";

    /// <summary>A symbolic link to a file that does not exist.</summary>
    public string DanglingSymlink { get; private set; } = "";

    /// <summary>A good PNG the test deletes after sniffing it and before probing it (call <see cref="DeleteVanishing"/>).</summary>
    public string Vanishing { get; private set; } = "";

    /// <summary>A sparse file one byte over the size limit the corpus was made for, starting like a PNG.</summary>
    public string Oversize { get; private set; } = "";

    public string OnePixel { get; private set; } = "";

    /// <summary>chelsea.png under a name with unicode, an emoji and spaces.</summary>
    public string UnicodeName { get; private set; } = "";

    /// <summary>chelsea.png with a 255-byte name, twelve 200-byte folders deep.</summary>
    public string LongPath { get; private set; } = "";

    /// <summary>
    /// False when this process reads a mode-000 file anyway: root with CAP_DAC_OVERRIDE, as in most containers. Then
    /// <see cref="Unreadable"/> proves nothing about permission errors, and <see cref="PermissionSkipReason"/> says why.
    /// </summary>
    public bool PermissionsEnforced { get; private set; }

    public string? PermissionSkipReason => PermissionsEnforced
        ? null
        : "this process reads mode-000 files anyway (root with CAP_DAC_OVERRIDE), so permission bits cannot make a file unreadable here; "
          + "run without that capability (setpriv --bounding-set=-dac_override,-dac_read_search ...) or as a normal user to cover it";

    /// <summary>Every file of the corpus with a short name for messages.</summary>
    public IReadOnlyList<(string Name, string Path)> All =>
    [
        ("empty", Empty), ("truncated jpeg", TruncatedJpeg), ("truncated png", TruncatedPng), ("random bytes", RandomBytes),
        ("png named mp3", PngNamedMp3), ("pixel bomb", PixelBomb), ("unreadable", Unreadable), ("symlink loop", SymlinkLoop),
        ("dangling symlink", DanglingSymlink), ("vanishing", Vanishing), ("oversize", Oversize), ("one pixel", OnePixel),
        ("unicode name", UnicodeName), ("long path", LongPath),
    ];

    /// <summary>Writes the corpus. <paramref name="maxFileBytes"/> is the limit <see cref="Oversize"/> must exceed.</summary>
    public static BadInputCorpus Create(string chelseaPng, long maxFileBytes)
    {
        var corpus = new BadInputCorpus(Directory.CreateTempSubdirectory("mt-bad-inputs-").FullName);
        try
        {
            corpus.Write(chelseaPng, maxFileBytes);
            return corpus;
        }
        catch
        {
            corpus.Dispose();
            throw;
        }
    }

    public void DeleteVanishing() => File.Delete(Vanishing);

    public void Dispose()
    {
        if (File.Exists(Unreadable) && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Unreadable, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.Delete(Root, recursive: true);
    }

    private void Write(string chelseaPng, long maxFileBytes)
    {
        var png = File.ReadAllBytes(chelseaPng);

        Empty = At("empty.jpg");
        File.WriteAllBytes(Empty, []);

        var fullJpeg = At("full.jpg");
        VipsImaging.Save(VipsImaging.Decode(chelseaPng), fullJpeg);
        var jpeg = File.ReadAllBytes(fullJpeg);
        File.Delete(fullJpeg);
        TruncatedJpeg = At("truncated.jpg");
        File.WriteAllBytes(TruncatedJpeg, jpeg[..(jpeg.Length / 2)]);

        TruncatedPng = At("truncated.png");
        File.WriteAllBytes(TruncatedPng, png[..(png.Length / 2)]);

        var noise = new byte[8192];
        new Random(4242).NextBytes(noise);
        if (MediaSniffer.Detect(noise) != MediaType.Unknown)
        {
            throw new InvalidOperationException("the random bytes happen to look like media; pick another seed");
        }

        RandomBytes = At("random.jpg");
        File.WriteAllBytes(RandomBytes, noise);

        PngNamedMp3 = At("song.mp3");
        File.WriteAllBytes(PngNamedMp3, png);

        PixelBomb = At("bomb.png");
        File.WriteAllBytes(PixelBomb, PngDeclaring(BombSide, BombSide));

        OnePixel = At("one-pixel.png");
        VipsImaging.Save(new RgbImage(1, 1, [200, 30, 30]), OnePixel);

        Unreadable = At("locked.png");
        File.WriteAllBytes(Unreadable, png);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Unreadable, UnixFileMode.None);
        }

        PermissionsEnforced = !CanRead(Unreadable);

        SymlinkLoop = At("loop-a.jpg");
        File.CreateSymbolicLink(SymlinkLoop, "loop-b.jpg");
        File.CreateSymbolicLink(At("loop-b.jpg"), "loop-a.jpg");

        DanglingSymlink = At("dangling.png");
        File.CreateSymbolicLink(DanglingSymlink, "no-such-file.png");

        Vanishing = At("vanishing.png");
        File.WriteAllBytes(Vanishing, png);

        Oversize = At("oversize.png");
        using (var stream = new FileStream(Oversize, FileMode.CreateNew))
        {
            stream.Write(png.AsSpan(0, 64));
            stream.SetLength(maxFileBytes + 1); // sparse: costs no disk
        }

        UnicodeName = At("Chelsea the cat – ünïcødé 猫 🐱 (copy).png");
        File.WriteAllBytes(UnicodeName, png);

        var deep = Root;
        for (var level = 0; level < 12; level++)
        {
            deep = Path.Combine(deep, $"deep-{level:00}-" + new string('d', 192));
        }

        Directory.CreateDirectory(deep);
        var longName = "long-" + new string('n', 255 - "long-".Length - ".png".Length) + ".png";
        LongPath = Path.Combine(deep, longName);
        File.WriteAllBytes(LongPath, png);
    }

    private string At(string name) => Path.Combine(Root, name);

    private static bool CanRead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return stream.ReadByte() >= 0;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A PNG whose IHDR (with a correct CRC) declares width x height RGB, followed by one row of data.</summary>
    private static byte[] PngDeclaring(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bits per sample
        ihdr[9] = 2;  // RGB
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[1 + (width * 3)]); // one filtered row of black; the rest is missing
        }

        using var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(file, "IHDR", ihdr);
        Chunk(file, "IDAT", compressed.ToArray());
        Chunk(file, "IEND", []);
        return file.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typeAndData));
        png.Write(number);
    }

    /// <summary>The CRC-32 PNG chunks carry (ISO-HDLC, reflected polynomial 0xEDB88320), bit by bit: tiny inputs only.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
