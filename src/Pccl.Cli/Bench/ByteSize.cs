using System.Globalization;

namespace Pccl.Cli.Bench;

/// <summary>Parses sizes such as 1MiB, 64MiB, 4KiB, 1GiB or plain bytes.</summary>
internal static class ByteSize
{
    /// <exception cref="PcclException"><see cref="PcclErrorCode.InvalidArgument"/>: the text is not a size.</exception>
    public static long Parse(string text)
    {
        var t = text.Trim();
        (string Suffix, long Factor)[] units = [("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1)];
        var (number, unit) = units.FirstOrDefault(u => t.EndsWith(u.Suffix, StringComparison.OrdinalIgnoreCase)) is { Suffix: not null } found
            ? (t[..^found.Suffix.Length], found.Factor)
            : (t, 1L);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value * unit < 1 || value * unit >= long.MaxValue)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"'{text}' is not a size: write a positive size such as 4MiB, 512KiB, 1GiB or 1048576 (bytes)");
        }

        return (long)(value * unit);
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30}GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20}MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10}KiB",
        _ => $"{bytes}B",
    };
}
