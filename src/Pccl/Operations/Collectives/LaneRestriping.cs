using Pccl.Operations.Session;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Automatic striping (<c>performance.connections_per_peer</c> unset) measured by the ring's own operations: after each
/// flat ring all-reduce the hop to the successor tells what it carried (<see cref="HopGoodput"/>), the peer's rate
/// follows it (<see cref="Topology.MeasuredRates.Observe"/>), and when that rate stripes the lane over another count of
/// connections the lane just used is closed, to reopen so striped at its next operation. A lane to a peer nobody has
/// measured opens for the fastest path a NIC allows (<see cref="StripeCount"/>); its first long operation then measures
/// the path at what those stripes carry, as a topology vote's measurement would, and the lane settles on what the path
/// holds instead of overfilling it. Stripes that were the limit raise the rate to what they carried, which asks for at
/// least as many again, so a lane that fills all its windows is never cut. Only the lane that finished closes: others to the peer, maybe busy, follow after
/// their own next operation.
/// </summary>
internal sealed class LaneRestriping(PeerSession session)
{
    /// <param name="peer">The successor.</param>
    /// <param name="lane">The lane the operation ran on.</param>
    /// <param name="bytesSent">What the operation sent to the successor.</param>
    /// <param name="elapsed">How long the operation moved data.</param>
    /// <param name="path">The lane's first stripe as the kernel measured it after the operation.</param>
    /// <param name="stripes">How many connections the lane has.</param>
    public async ValueTask AfterRingAsync(ulong peer, uint lane, long bytesSent, TimeSpan elapsed, TcpPath path, int stripes)
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
        await session.Lanes.CloseOutgoingLaneAsync(peer, lane).ConfigureAwait(false);
    }
}
