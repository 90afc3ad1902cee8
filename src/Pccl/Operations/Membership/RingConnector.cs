using Microsoft.Extensions.Logging;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Operations.Membership;

/// <summary>Opens this peer's lanes to its ring successor as a topology round asks, and reports the outcome to the master.</summary>
internal sealed class RingConnector(PeerSession session)
{
    public async Task ConnectAsync(World world)
    {
        var options = session.Options;
        var result = new P2PConnectResult { WorldRevision = world.Revision, Success = true };
        PeerEntry? next = null;
        try
        {
            var view = new WorldView(world, options.PeerGroup);
            var rank = view.Ring.ToList().IndexOf(session.PeerId);
            if (rank >= 0 && view.Ring.Count > 1)
            {
                next = view.Peer(view.Ring[(rank + 1) % view.Ring.Count])!;
                using var timeout = new CancellationTokenSource(options.ConnectTimeout);
                var lanes = Enumerable.Range(0, Math.Max(1, options.P2PConnectionPoolSize))
                    .Select(lane => session.Lanes.GetOutgoingAsync(next, (uint)lane, session.LastSequence, timeout.Token).AsTask());
                await Task.WhenAll(lanes).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is PcclException or IOException or OperationCanceledException)
        {
            result.Success = false;
            result.Error = next is null ? $"peer {session.PeerId} could not reach its ring neighbour: {e.Message}" : UnreachableNeighbour.Describe(session.PeerId, next, e);
            session.Logger.RingConnectFailed(result.Error);
        }

        await session.ReportAsync(new ControlMessage { P2PConnectResult = result }).ConfigureAwait(false);
    }
}
