using Pccl.Protocol.Messages;

namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>
    /// Votes to admit waiting peers. Returns when every accepted peer has voted and all of them (old and new) reached
    /// their ring neighbours. Throws a transient <see cref="PcclErrorCode.TopologyFailed"/> when some could not; vote again.
    /// A peer that is alive but does not vote, or does not report its ring connections, is removed by the master after
    /// its <c>fault_tolerance.vote_timeout_ms</c> or <c>topology_timeout_ms</c>, so a silent peer never holds this call longer.
    /// </summary>
    public async Task UpdateTopologyAsync(CancellationToken ct = default)
    {
        var reply = await VoteAsync(new ControlMessage { TopologyVote = new TopologyVote() }, ct).ConfigureAwait(false);
        if (reply.BodyCase == ControlMessage.BodyOneofCase.TopologyFailed)
        {
            throw new PcclException(PcclErrorCode.TopologyFailed, $"topology update failed: {reply.TopologyFailed.Reason}; vote again", isTransient: true);
        }
    }

    /// <summary>Asks, by a vote of all accepted peers, whether peers are waiting to be admitted. Every peer gets the same answer.</summary>
    public async Task<bool> ArePeersPendingAsync(CancellationToken ct = default)
    {
        var reply = await VoteAsync(new ControlMessage { PendingPeersVote = new PendingPeersVote() }, ct).ConfigureAwait(false);
        return reply.PendingPeersResult.Pending;
    }

    private async Task<ControlMessage> VoteAsync(ControlMessage vote, CancellationToken ct)
    {
        ThrowIfUnusable();
        await _membershipGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfUnusable();
            var reply = new TaskCompletionSource<ControlMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            _membershipReply = reply;
            if (_fatal is { } fatal)
            {
                reply.TrySetException(fatal);
            }

            await _link!.SendAsync(vote, ct).ConfigureAwait(false);
            try
            {
                return await reply.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The master counts the vote; a peer that walks away from it cannot stay in step with the others.
                Fatal(new PcclException(PcclErrorCode.InvalidState, "a vote was cancelled; this communicator left the run: connect again"));
                throw;
            }
        }
        finally
        {
            _membershipReply = null;
            _membershipGate.Release();
        }
    }
}
