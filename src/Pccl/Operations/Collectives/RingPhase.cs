namespace Pccl.Operations.Collectives;

/// <summary>The two halves of a ring all-reduce.</summary>
internal enum RingPhase
{
    /// <summary>Partial sums travel around the ring; each hop reduces into its own copy.</summary>
    ReduceScatter,

    /// <summary>Each fully reduced slice travels around the ring and is copied verbatim.</summary>
    AllGather,
}
