namespace Pccl.Hosting.Configuration;

/// <summary>When a worker runs the topology optimisation vote (<c>performance.optimize_topology</c>).</summary>
public enum TopologyOptimization
{
    /// <summary><c>off</c>: never; rings stay in the order peers joined (by id) unless the application votes.</summary>
    Off,

    /// <summary><c>on_world_change</c>: after every topology round that admitted peers, by the members and the joiners together.</summary>
    OnWorldChange,
}
