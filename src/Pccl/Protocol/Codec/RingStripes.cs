namespace Pccl.Protocol.Codec;

/// <summary>
/// Striping on the wire: a ring lane may be spread over several connections to the same neighbour. Each ring data
/// frame's flags carry how many the sender spreads the operation over (0 is read as 1), and each connection's hello
/// says which stripe it is.
/// </summary>
internal static class RingStripes
{
    /// <summary>The most connections one lane is spread over (<c>performance.connections_per_peer</c>).</summary>
    public const int Max = 8;

    /// <summary>The stripe count a ring data frame announces.</summary>
    public static int CountOf(DataFrameHeader frame) => frame.Flags == 0 ? 1 : frame.Flags;
}
