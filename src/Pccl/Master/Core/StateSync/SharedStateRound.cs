namespace Pccl.Master.Core.StateSync;

/// <summary>
/// One shared-state synchronisation of a peer group: first gathering every member's request, then, once the election
/// produced a plan, waiting until every receiver reports its dirty tensors in.
/// </summary>
internal sealed class SharedStateRound(uint group, TimeSpan gatheringSince)
{
    public uint Group { get; } = group;

    /// <summary>When the first member's request arrived.</summary>
    public TimeSpan GatheringSince { get; } = gatheringSince;

    /// <summary>When the plan went out.</summary>
    public TimeSpan RunningSince { get; set; }

    /// <summary>Requests gathered so far, by peer id.</summary>
    public SortedDictionary<ulong, SharedStatePeerReport> Requests { get; } = [];

    /// <summary>The election's plan; null while gathering.</summary>
    public SharedStateSyncPlan? Plan { get; set; }

    /// <summary>The operation sequence of the running round (0 while gathering).</summary>
    public ulong Sequence { get; set; }

    /// <summary>Peers that got the plan and are still in the run.</summary>
    public HashSet<ulong> Participants { get; } = [];

    /// <summary>Each receiver's limit from <see cref="RunningSince"/>, sized by the bytes planned for it.</summary>
    public Dictionary<ulong, TimeSpan> ReceiveLimits { get; } = [];

    /// <summary>Receivers that have not reported done yet.</summary>
    public HashSet<ulong> AwaitingDone { get; } = [];

    /// <summary>Participants lost while the round ran.</summary>
    public HashSet<ulong> Lost { get; } = [];

    public bool Running => Plan is not null;
}
