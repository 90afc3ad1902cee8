using System.Text.Json;

namespace Pccl.Cli.Bench;

/// <summary>One group's ring and bandwidth matrix as the master's <c>/status</c> shows them.</summary>
internal sealed record MasterBandwidth(uint Group, IReadOnlyList<ulong> Ring, IReadOnlyDictionary<(ulong From, ulong To), double> BytesPerSecond)
{
    /// <summary>The measured rate from one peer to another in Mbit/s; null when never measured, 0 when unusable.</summary>
    public double? MbitPerSecond(ulong from, ulong to) => BytesPerSecond.TryGetValue((from, to), out var rate) ? rate * 8 / 1e6 : null;

    /// <summary>Every group of a <c>/status</c> document.</summary>
    public static IReadOnlyList<MasterBandwidth> FromStatus(JsonElement status)
    {
        if (!status.TryGetProperty("groups", out var groups))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, "the document has no \"groups\": give the URL of a master's /status (metrics port, 9090 by default)");
        }

        return [.. groups.EnumerateArray().Select(g => new MasterBandwidth(
            g.GetProperty("group").GetUInt32(),
            [.. g.GetProperty("ring").EnumerateArray().Select(id => id.GetUInt64())],
            g.TryGetProperty("bandwidth", out var matrix)
                ? matrix.EnumerateArray().ToDictionary(e => (e.GetProperty("from").GetUInt64(), e.GetProperty("to").GetUInt64()), e => e.GetProperty("bytes_per_second").GetDouble())
                : []))];
    }
}
