using Pccl.Master.Core.Topology;

namespace Pccl.Master.Server;

/// <summary>One measured direction of a group's bandwidth matrix in <c>/status</c>.</summary>
/// <param name="From">The sending peer.</param>
/// <param name="To">The receiving peer.</param>
/// <param name="BytesPerSecond">Measured throughput; 0 when the pair could not connect.</param>
/// <param name="Usable">Whether the pair could carry data.</param>
internal sealed record BandwidthStatus(ulong From, ulong To, double BytesPerSecond, bool Usable)
{
    /// <summary>The matrix's entries ordered by sender, then receiver; none when the group was never measured.</summary>
    public static IReadOnlyList<BandwidthStatus> Of(BandwidthMatrix? matrix) =>
        matrix is null
            ? []
            : [.. matrix.Entries.OrderBy(e => e.Key.From).ThenBy(e => e.Key.To).Select(e => new BandwidthStatus(e.Key.From, e.Key.To, e.Value, e.Value > 0))];
}
