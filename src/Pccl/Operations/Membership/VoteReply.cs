namespace Pccl.Operations.Membership;

/// <summary>The master's answer to a vote of all accepted peers.</summary>
internal abstract record VoteReply
{
    /// <summary>The topology round succeeded: every peer, old and new, reached its ring neighbours.</summary>
    public sealed record TopologyUpdated : VoteReply;

    /// <summary>The topology round failed for <paramref name="Reason"/>; the peers may vote again.</summary>
    public sealed record TopologyFailed(string Reason) : VoteReply;

    /// <summary>Whether peers are waiting to be admitted.</summary>
    public sealed record PeersPending(bool Pending) : VoteReply;
}
