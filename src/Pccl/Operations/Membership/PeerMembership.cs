using Microsoft.Extensions.Logging;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Operations.Membership;

/// <summary>
/// This peer's part in membership: the admission wait after registering, the votes (one at a time) and their replies,
/// and the ring connections each topology round asks for. Replies come from the dispatch, on the control link's read
/// loop, in order.
/// </summary>
internal sealed class PeerMembership(PeerSession session) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _admission = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RingConnector _ring = new(session);
    private volatile PendingVote? _vote;
    private bool _admitted; // read loop only: registered until the first completed topology round

    /// <summary>Returns once the master admitted this peer (the first peer at once; later ones by the others' vote).</summary>
    public async Task WaitForAdmissionAsync(CancellationToken ct)
    {
        await _admission.Task.WaitAsync(ct).ConfigureAwait(false);
        session.Logger.Accepted(session.PeerId, session.World.GlobalSize, session.Options.PeerGroup, session.World.GroupSize);
    }

    public async Task<VoteReply> VoteAsync(ControlMessage vote, CancellationToken ct)
    {
        session.ThrowIfUnusable();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            session.ThrowIfUnusable();
            var pending = new PendingVote();
            _vote = pending;
            if (session.FatalReason is { } fatal)
            {
                pending.Fail(fatal);
            }

            await session.Link.SendAsync(vote, ct).ConfigureAwait(false);
            try
            {
                return await pending.Reply.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The master counts the vote; a peer that walks away from it cannot stay in step with the others.
                session.Fatal(new PcclException(PcclErrorCode.InvalidState, "a vote was cancelled; this communicator left the run: connect again"));
                throw;
            }
        }
        finally
        {
            _vote = null;
            _gate.Release();
        }
    }

    /// <summary>The master announced the next world: this peer opens its lanes to its ring successor and reports.</summary>
    public void OnTopologyUpdate(World world)
    {
        session.AnnounceMembers(world);
        _ = Task.Run(() => _ring.ConnectAsync(world));
    }

    public void OnTopologyComplete(World world)
    {
        session.SetWorld(world);
        if (_admitted)
        {
            _vote?.Answer(new VoteReply.TopologyUpdated());
            return;
        }

        _admitted = true;
        _admission.TrySetResult();
    }

    public void OnTopologyFailed(TopologyFailed failed)
    {
        if (!_admitted)
        {
            session.Logger.AdmissionFailed(failed.Reason);
            return;
        }

        if (failed.World is { } survivors)
        {
            session.SetWorld(survivors);
        }

        _vote?.Answer(new VoteReply.TopologyFailed(failed.Reason));
    }

    public void OnPendingPeers(PendingPeersResult result) => _vote?.Answer(new VoteReply.PeersPending(result.Pending));

    public void Fail(PcclException reason)
    {
        _admission.TrySetException(reason);
        _vote?.Fail(reason);
    }

    public void Dispose() => _gate.Dispose();
}
