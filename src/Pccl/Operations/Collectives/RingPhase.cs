namespace Pccl.Operations.Collectives;

/// <summary>The two halves of a ring all-reduce.</summary>
internal enum RingPhase
{
    /// <summary>Partial sums travel around the ring; each hop reduces into its own copy.</summary>
    ReduceScatter,

    /// <summary>Each fully reduced slice travels around the ring and is copied verbatim.</summary>
    AllGather,
}

/// <summary>How a phase is marked in a data frame header.</summary>
internal static class RingPhaseFrames
{
    public static Protocol.Codec.DataFrameKind FrameKind(this RingPhase phase) =>
        phase == RingPhase.ReduceScatter ? Protocol.Codec.DataFrameKind.ReduceScatter : Protocol.Codec.DataFrameKind.AllGather;
}
