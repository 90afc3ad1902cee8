namespace Pccl.Master.Core.StateSync;

/// <summary>Either a plan or the reason there is none.</summary>
internal sealed record SharedStateElectionResult
{
    private SharedStateElectionResult(SharedStateSyncPlan? plan, SharedStateElectionError? error)
    {
        Plan = plan;
        Error = error;
    }

    /// <summary>The plan, when the election succeeded.</summary>
    public SharedStateSyncPlan? Plan { get; }

    /// <summary>The reason, when it failed.</summary>
    public SharedStateElectionError? Error { get; }

    /// <summary>True when <see cref="Plan"/> is set.</summary>
    public bool Succeeded => Plan is not null;

    /// <summary>A successful result.</summary>
    public static SharedStateElectionResult Success(SharedStateSyncPlan plan) => new(plan, null);

    /// <summary>A failed result.</summary>
    public static SharedStateElectionResult Failure(PcclErrorCode code, string message, IEnumerable<ulong> peers) =>
        new(null, new SharedStateElectionError(code, message, [.. peers]));
}

/// <summary>Why an election failed.</summary>
/// <param name="Code">Error code every peer of the group receives.</param>
/// <param name="Message">Names the first difference found and what to change.</param>
/// <param name="Peers">The peers at fault (whose report differs or is refused), ascending; the master may kick them.</param>
internal sealed record SharedStateElectionError(PcclErrorCode Code, string Message, IReadOnlyList<ulong> Peers)
{
    /// <summary>The exception a peer's call throws for this error.</summary>
    public PcclException ToException() => new(Code, Message);
}
