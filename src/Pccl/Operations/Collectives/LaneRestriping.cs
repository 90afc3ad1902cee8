using Microsoft.Extensions.Logging;
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
/// and the peer's rate follows it (<see cref="Topology.MeasuredRates.Observe"/>). A peer nobody has measured gets what
/// 1 Gbit/s asks for (<see cref="StripeCount.FirstOperationBitsPerSecond"/>), not the cap, which would overfill a
/// slower path's queue at once; its first long operation measures the path, and a faster one takes more of the open
/// connections from there.
/// Stripes that may have been the limit (they carried more of their windows than <see cref="StripeCount"/> plans, so
/// their reading asks for more of them) raise the rate to what they carried, and the next operation runs on more: the
/// count never settles where its own stripes bounded the reading, and a lane that fills all its windows is never cut. A lane opened with fewer than the rate now asks for (its count fixed while
/// it stays open) is closed, to reopen at its next operation.
/// <para>
/// A lane to another host is also paced (<see cref="PaceFor"/>) where its congestion control is loss-based: each stripe
/// in use is held a little over its share of the measured rate, so the stripes together keep the path's queue short
/// instead of overfilling it and backing off at the drops. An operation that carried at least the rate it was paced over
/// may have been held by the pace (<see cref="HopGoodput.PaceBound"/>) and raises the rate to what it carried, so the
/// pace climbs by about 7 % per operation (0.97 of the 1.1 margin, what an operation's fill and drain leave) until the
/// path holds the operations under it, and settles within the margin over the path: a pace set higher than that would
/// fill the path's queue again. Configured lanes are measured and paced the same way; only their count stays fixed.
/// </para>
/// </summary>
internal sealed class LaneRestriping(PeerSession session)
{
    /// <summary>How many of <paramref name="lane"/>'s stripes to <paramref name="peer"/> an operation sends on: all when the count is configured.</summary>
    public int InUse(ulong peer, RingLink[] lane) =>
        StripeCount.InUse(session.Options.ConnectionsPerPeer, lane.Length, lane[0].Connection.MeasurePath(), session.MeasuredRates.BitsPerSecondTo(peer));

    /// <summary>
    /// Paces the <paramref name="stripes"/> an operation sends on to <paramref name="peer"/> (<see cref="StripePace"/>,
    /// one sharer) where the lane leaves this host, a rate to the peer was measured and the congestion control is
    /// loss-based (<see cref="CongestionControl.PacesToItsModel"/>). The caller lifts the pace once its ring has run
    /// (<see cref="StripePace.Apply"/> with null).
    /// </summary>
    /// <returns>The measured rate the stripes are paced over (<see cref="StripePace.Margin"/> over an even share of it),
    /// in bits per second; null when unpaced (and always on this host).</returns>
    public long? PaceFor(ulong peer, RingLink[] stripes)
    {
        var first = stripes[0].Connection;
        if (!first.LeavesHost || CongestionControl.PacesToItsModel(first.CongestionControl))
        {
            return null;
        }

        var rate = session.MeasuredRates.BitsPerSecondTo(peer);
        if (StripePace.BytesPerSecond(rate, 1, stripes.Length) is not { } pace)
        {
            return null;
        }

        StripePace.Apply(stripes, pace);
        if (session.Logger.IsEnabled(LogLevel.Debug))
        {
            session.Logger.RingHopPaced(peer, stripes.Length, pace, rate!.Value, first.CongestionControl ?? "unknown");
        }

        return rate;
    }

    /// <param name="peer">The successor.</param>
    /// <param name="lane">The lane the operation ran on.</param>
    /// <param name="bytesSent">What the operation sent to the successor.</param>
    /// <param name="elapsed">How long the operation moved data.</param>
    /// <param name="path">The lane's first stripe as the kernel measured it after the operation.</param>
    /// <param name="stripes">How many connections the operation sent on.</param>
    /// <param name="open">How many connections the lane has.</param>
    /// <param name="pacedFrom">The measured rate the stripes were paced over (<see cref="PaceFor"/>), null for none.</param>
    public async ValueTask AfterRingAsync(ulong peer, uint lane, long bytesSent, TimeSpan elapsed, TcpPath path, int stripes, int open, long? pacedFrom)
    {
        if (HopGoodput.Of(bytesSent, elapsed, path, stripes, pacedFrom) is not { } goodput)
        {
            return;
        }

        if (session.MeasuredRates.Observe(peer, goodput) is { } change)
        {
            if (change.Lowered)
            {
                session.Logger.HopRateLowered(peer, Topology.MeasuredRates.DropReadings, Topology.MeasuredRates.DropShare, change.From!.Value / 1e6, change.To / 1e6);
            }
            else
            {
                var limit = goodput.WindowBound ? "limited by the connections' windows" : goodput.PaceBound ? "limited by their pace" : "limited by the path";
                session.Logger.HopRateMeasured(peer, goodput.BitsPerSecond / 1e6, stripes, limit);
            }
        }

        if (session.Options.ConnectionsPerPeer is not null)
        {
            return;
        }

        var measured = session.MeasuredRates.BitsPerSecondTo(peer);
        var wanted = StripeCount.For(null, path, measured);
        if (wanted == stripes)
        {
            return;
        }

        session.Logger.LanesRestriped(peer, (measured ?? goodput.BitsPerSecond) / 1e6, stripes, wanted);
        if (wanted > open)
        {
            await session.Lanes.CloseOutgoingLaneAsync(peer, lane).ConfigureAwait(false);
        }
    }
}
