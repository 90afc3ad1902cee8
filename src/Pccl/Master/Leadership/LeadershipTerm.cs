namespace Pccl.Master.Leadership;

/// <summary>A leadership term this master won: its epoch and the revisions the store held when it began.</summary>
/// <param name="Epoch">The term's epoch; stamped on every message the master sends during it.</param>
/// <param name="Revisions">Each peer group's last stored shared-state revision.</param>
internal sealed record LeadershipTerm(ulong Epoch, IReadOnlyDictionary<uint, ulong> Revisions);
