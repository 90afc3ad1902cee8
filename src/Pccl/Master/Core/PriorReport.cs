namespace Pccl.Master.Core;

/// <summary>What a re-registering peer reported of one registration with a lost master (Register.prior_sessions).</summary>
/// <param name="reporter">The peer's id under this master: the report is forgotten when that peer leaves.</param>
internal sealed class PriorReport(ulong reporter)
{
    public ulong Reporter { get; } = reporter;

    /// <summary>Per tag, the newest sequence the lost master told the peer was complete.</summary>
    public Dictionary<uint, ulong> Completed { get; } = [];

    /// <summary>Sequences whose data the peer had moved without hearing a verdict.</summary>
    public HashSet<ulong> InDoubt { get; } = [];
}
