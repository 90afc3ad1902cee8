namespace Pccl.Operations.Collectives;

/// <summary>How a phase is marked in a data frame header.</summary>
internal static class RingPhaseFrames
{
    public static Protocol.Codec.DataFrameKind FrameKind(this RingPhase phase) =>
        phase == RingPhase.ReduceScatter ? Protocol.Codec.DataFrameKind.ReduceScatter : Protocol.Codec.DataFrameKind.AllGather;
}
