using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text.RegularExpressions;

namespace Pccl.Hosting.Checkpoints;

/// <summary>
/// Layout of a checkpoint file, little-endian: magic "PCCLCKPT" (8 bytes), format version (u32), manifest
/// length (u32), XxHash3 of the manifest (u64), the UTF-8 JSON manifest, then each entry's bytes in manifest
/// order and nothing after them.
/// </summary>
internal static partial class CheckpointFile
{
    public const uint FormatVersion = 1;
    public const int HeaderLength = 24;
    public const int MaxManifestLength = 64 << 20;
    public const string Extension = ".ckpt";

    private static ReadOnlySpan<byte> Magic => "PCCLCKPT"u8;

    /// <summary>File name of the checkpoint at <paramref name="revision"/>.</summary>
    public static string NameFor(ulong revision) => $"rev-{revision.ToString(CultureInfo.InvariantCulture)}{Extension}";

    /// <summary>The revision a complete checkpoint's file name states, or null for any other file (temp files included).</summary>
    public static ulong? RevisionOf(string path)
    {
        var match = NamePattern().Match(Path.GetFileName(path));
        return match.Success && ulong.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : null;
    }

    /// <summary>True for a temp file a writer left behind.</summary>
    public static bool IsTempFile(string path) => TempPattern().IsMatch(Path.GetFileName(path));

    /// <summary>The file header for <paramref name="manifest"/>.</summary>
    public static byte[] Header(ReadOnlySpan<byte> manifest)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), manifest.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), XxHash3.HashToUInt64(manifest));
        return header;
    }

    /// <summary>Reads the header; returns the manifest length and hash, or why the header is unusable.</summary>
    public static string? TryParseHeader(ReadOnlySpan<byte> header, long fileLength, out int manifestLength, out ulong manifestHash)
    {
        manifestLength = 0;
        manifestHash = 0;
        if (header.Length < HeaderLength)
            return $"file is {fileLength} bytes, shorter than the {HeaderLength}-byte header";
        if (!header[..8].SequenceEqual(Magic))
            return "it does not start with the PCCLCKPT magic";
        var version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != FormatVersion)
            return $"format version {version} is not the supported {FormatVersion}";
        manifestLength = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (manifestLength <= 0 || manifestLength > MaxManifestLength || HeaderLength + (long)manifestLength > fileLength)
            return $"manifest length {manifestLength} does not fit the {fileLength}-byte file";
        manifestHash = BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);
        return null;
    }

    /// <summary>A hash as the manifest writes it.</summary>
    public static string FormatHash(ulong hash) => hash.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Parses a manifest hash.</summary>
    public static bool TryParseHash(string text, out ulong hash) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out hash) && text.Length == 16;

    [GeneratedRegex(@"^rev-(\d{1,20})\.ckpt$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^rev-\d{1,20}\.ckpt\.tmp-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex TempPattern();
}
