namespace Pccl.Master.Core;

/// <summary>A group's ring order as collective starts carry it, and the revision that names it.</summary>
internal sealed record RingRevision(ulong Revision, IReadOnlyList<ulong> Ring);
