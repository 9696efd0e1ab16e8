using System.Security.Cryptography;

namespace MediaTagger.Core.Models;

/// <summary>The hash a catalog file is verified with.</summary>
public enum ModelChecksumKind
{
    Sha256 = 0,

    /// <summary>Only where the publisher gives no sha256 (whisper.cpp publishes SHA-1s of its ggml models).</summary>
    Sha1 = 1,
}

/// <summary>Computing and checking model file checksums: the one place that knows the algorithms.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms",
    Justification = "SHA-1 only verifies files whose publisher gives no sha256 (whisper.cpp's ggml models); it is never used to sign or protect data.")]
public static class ModelChecksum
{
    /// <summary>The lower-case name used in catalog.json, messages and the cache file's extension.</summary>
    public static string Name(ModelChecksumKind kind) => kind == ModelChecksumKind.Sha1 ? "sha1" : "sha256";

    /// <summary>Hex digits of a well-formed checksum: 64 for sha256, 40 for sha1.</summary>
    public static int HexLength(ModelChecksumKind kind) => kind == ModelChecksumKind.Sha1 ? 40 : 64;

    public static bool IsWellFormed(string? value, ModelChecksumKind kind) =>
        value is not null && value.Length == HexLength(kind) && value.All(Uri.IsHexDigit);

    /// <summary>The checksum of <paramref name="stream"/>'s content from its position on, as lower-case hex.</summary>
    public static string Compute(Stream stream, ModelChecksumKind kind) =>
        Convert.ToHexStringLower(kind == ModelChecksumKind.Sha1 ? SHA1.HashData(stream) : SHA256.HashData(stream));

    /// <inheritdoc cref="Compute(Stream, ModelChecksumKind)"/>
    public static async Task<string> ComputeAsync(Stream stream, ModelChecksumKind kind, CancellationToken cancellationToken) =>
        Convert.ToHexStringLower(kind == ModelChecksumKind.Sha1
            ? await SHA1.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)
            : await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
}
