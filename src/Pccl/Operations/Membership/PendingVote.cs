namespace Pccl.Operations.Membership;

/// <summary>A vote this peer sent and the master has not answered: the dispatch answers it with the reply it reads.</summary>
internal sealed class PendingVote
{
    private readonly TaskCompletionSource<VoteReply> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<VoteReply> Reply => _reply.Task;

    public void Answer(VoteReply reply) => _reply.TrySetResult(reply);

    public void Fail(PcclException reason) => _reply.TrySetException(reason);
}
