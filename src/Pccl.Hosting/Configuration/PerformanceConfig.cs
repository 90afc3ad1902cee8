namespace Pccl.Hosting.Configuration;

/// <summary>The <c>performance</c> section.</summary>
public sealed record PerformanceConfig
{
    /// <summary><c>ring_chunk_size</c>: pipelining piece size of the ring all-reduce in bytes, default 4194304.</summary>
    public int RingChunkSize { get; init; } = 4 * 1024 * 1024;

    /// <summary><c>num_io_threads</c>: parallel TCP streams per ring neighbour, default 4.</summary>
    public int NumIoThreads { get; init; } = 4;

    /// <summary><c>enable_compression</c>: lossless compression on the wire, default false.</summary>
    public bool EnableCompression { get; init; }

    /// <summary><c>p2p_connection_pool_size</c>: connections per neighbour for concurrent operations, default 4.</summary>
    public int P2PConnectionPoolSize { get; init; } = 4;

    /// <summary><c>optimize_topology</c>: when <c>pccl worker</c> runs the topology optimisation vote, default off.</summary>
    public TopologyOptimization OptimizeTopology { get; init; } = TopologyOptimization.Off;

    /// <summary><c>connections_per_peer</c>: TCP connections one operation stripes each hop over, 1 to 8; null (<c>auto</c>, the default) sizes it per neighbour from the path's round trip.</summary>
    public int? ConnectionsPerPeer { get; init; }

    /// <summary><c>start_grants</c>: the master's complete of an all-reduce may start the next one on the same tag, saving the start's round trip; default true.</summary>
    public bool StartGrants { get; init; } = true;
}
