using Pccl.Operations.Session;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Automatic striping (<c>performance.connections_per_peer</c> unset) measured by the ring's own operations. An
/// automatic lane opens the cap's connections on a long path (<see cref="StripeCount.ToOpen"/>), and each operation
/// sends on as many of them as the peer's measured rate asks for (<see cref="InUse"/>), so the count follows the
/// measurements without closing a connection: reopening a lane costs its handshakes and a slow start inside the next
/// operation. After each flat ring all-reduce the hop to the successor tells what it carried (<see cref="HopGoodput"/>)
/// and the peer's rate follows it (<see cref="Topology.MeasuredRates.Observe"/>). A peer nobody has measured gets all
/// of them, as for the fastest path a NIC allows; its first long operation then measures the path at what they carry,
/// as a topology vote's measurement would, and the lane settles on what the path holds instead of overfilling it.
/// Stripes that may have been the limit (they carried more of their windows than <see cref="StripeCount"/> plans, so
/// their reading asks for more of them) raise the rate to what they carried, and the next operation runs on more: the
/// count never settles where its own stripes bounded the reading, and a lane that fills all its windows is never cut. A lane opened with fewer than the rate now asks for (its count fixed while
/// it stays open) is closed, to reopen at its next operation.
/// </summary>
internal sealed class LaneRestriping(PeerSession session)
{
    /// <summary>How many of <paramref name="lane"/>'s stripes to <paramref name="peer"/> an operation sends on: all when the count is configured.</summary>
    public int InUse(ulong peer, RingLink[] lane) =>
        StripeCount.InUse(session.Options.ConnectionsPerPeer, lane.Length, lane[0].Connection.MeasurePath(), session.MeasuredRates.BitsPerSecondTo(peer));

    /// <param name="peer">The successor.</param>
    /// <param name="lane">The lane the operation ran on.</param>
    /// <param name="bytesSent">What the operation sent to the successor.</param>
    /// <param name="elapsed">How long the operation moved data.</param>
    /// <param name="path">The lane's first stripe as the kernel measured it after the operation.</param>
    /// <param name="stripes">How many connections the operation sent on.</param>
    /// <param name="open">How many connections the lane has.</param>
    public async ValueTask AfterRingAsync(ulong peer, uint lane, long bytesSent, TimeSpan elapsed, TcpPath path, int stripes, int open)
    {
        var configured = session.Options.ConnectionsPerPeer;
        if (configured is not null || HopGoodput.Of(bytesSent, elapsed, path, stripes) is not { } goodput)
        {
            return;
        }

        if (session.MeasuredRates.Observe(peer, goodput))
        {
            session.Logger.HopRateMeasured(peer, goodput.BitsPerSecond / 1e6, stripes, goodput.WindowBound ? "limited by the connections' windows" : "limited by the path");
        }

        var rate = session.MeasuredRates.BitsPerSecondTo(peer);
        var wanted = StripeCount.For(configured, path, rate);
        if (wanted == stripes)
        {
            return;
        }

        session.Logger.LanesRestriped(peer, (rate ?? goodput.BitsPerSecond) / 1e6, stripes, wanted);
        if (wanted > open)
        {
            await session.Lanes.CloseOutgoingLaneAsync(peer, lane).ConfigureAwait(false);
        }
    }
}
