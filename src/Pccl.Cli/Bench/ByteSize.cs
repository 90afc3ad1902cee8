using System.Globalization;

namespace Pccl.Cli.Bench;

/// <summary>Parses sizes such as 1MiB, 64MiB, 4KiB, 1GiB or plain bytes.</summary>
internal static class ByteSize
{
    public static long Parse(string text)
    {
        var t = text.Trim();
        (string Suffix, long Factor)[] units = [("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1)];
        foreach (var (suffix, factor) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return (long)(double.Parse(t[..^suffix.Length], CultureInfo.InvariantCulture) * factor);
            }
        }

        return long.Parse(t, CultureInfo.InvariantCulture);
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30}GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20}MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10}KiB",
        _ => $"{bytes}B",
    };
}
