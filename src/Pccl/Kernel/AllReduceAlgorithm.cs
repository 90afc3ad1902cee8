namespace Pccl;

/// <summary>The schedule an all-reduce moves its data with. Every peer of an operation must ask for the same one.</summary>
public enum AllReduceAlgorithm
{
    /// <summary>
    /// Hierarchical when the group's peers carry more than one region label (<c>network.region</c>), else
    /// halving-doubling when the group has exactly four peers, else the ring.
    /// </summary>
    Auto,

    /// <summary>
    /// The pipelined ring: reduce-scatter then all-gather around the master's ring order, 2(N−1) dependent steps, each
    /// peer sending 2(N−1)/N of the buffer to its successor.
    /// </summary>
    Ring,

    /// <summary>
    /// Recursive halving then doubling (Rabenseifner's all-reduce) over the ring's own connections, for a group of four
    /// peers: each peer exchanges half of the buffer with one neighbour, a quarter with the other, and the same back;
    /// the same bytes as the ring in 4 dependent steps instead of 6. At other group sizes the ring runs instead.
    /// </summary>
    HalvingDoubling,

    /// <summary>
    /// Per region (data centre) label: reduce-scatter inside each region, all-reduce each shard across regions among the
    /// peers that own it (all shards at once), then all-gather inside each region, so the slow links between regions
    /// carry each peer's shard once. A label with <c>/</c> is a path and the scheme nests level by level. With one label
    /// in the group the ring runs instead.
    /// </summary>
    Hierarchical,
}
