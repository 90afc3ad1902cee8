using Microsoft.Extensions.Logging;
using Pccl.Operations.Collectives.Hierarchical;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Operations.Collectives;

/// <summary>How this peer leaves an all-reduce that failed or that it gave up: it retires the lanes, then tells the master.</summary>
internal sealed class AllReduceWithdrawal(PeerSession session)
{
    /// <summary>
    /// Takes back an operation the master has not started for this peer, so the others are not left gathering for it,
    /// and returns once the master has forgotten this peer's init. Returning earlier would let the caller's next
    /// operation on the tag race the withdrawal: another peer's init, arriving on its own connection before the
    /// withdrawal, would be paired with the withdrawn init. The wait ends at once when the master is lost and after one
    /// heartbeat timeout at most (a master that slow is about to be declared lost anyway).
    /// </summary>
    public async Task WithdrawAsync(CollectiveCall call)
    {
        try
        {
            await session.Link.SendAsync(new ControlMessage { CollectiveDone = new CollectiveDone { Tag = call.Tag, Sequence = 0, Success = false, Error = "withdrawn" } }, CancellationToken.None).ConfigureAwait(false);
            await call.Withdrawn.WaitAsync(session.Options.HeartbeatTimeout).ConfigureAwait(false);
        }
        catch (PcclException)
        {
            // master lost: nothing to withdraw from
        }
        catch (TimeoutException)
        {
            session.Logger.WithdrawalUnconfirmed(call.Tag, session.Options.HeartbeatTimeout.TotalMilliseconds);
        }
    }

    /// <summary>
    /// Retires <paramref name="self"/>'s lanes of <paramref name="start"/> in <paramref name="lanes"/> to and from every
    /// neighbour it has (in a hierarchy, those of every stage): no later operation may take a link of this one once this
    /// returns. Returns their connections, to close.
    /// </summary>
    public static RetiredLinks RetireLanes(LaneTable lanes, CollectiveStart start, ulong self)
    {
        var retired = new RetiredLinks([]);
        foreach (var (next, previous) in StageNeighbours.Of(start, self))
        {
            retired.Add(lanes.Retire(next, previous, start.Lane, start.Sequence));
        }

        return retired;
    }

    /// <summary>Tells the master this peer's part failed, once per call (<see cref="OperationCall{TStart,TComplete}.MarkFailureReported"/>).</summary>
    public Task ReportFailureAsync(CollectiveStart start, PcclException failure, CollectiveCall? call = null) =>
        call is not null && !call.MarkFailureReported()
            ? Task.CompletedTask
            : session.ReportAsync(new ControlMessage
            {
                CollectiveDone = new CollectiveDone { Tag = start.Tag, Sequence = start.Sequence, Success = false, Error = failure.Message },
            });
}
