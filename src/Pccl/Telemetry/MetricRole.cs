namespace Pccl.Telemetry;

/// <summary>Which side of PCCL reports a measurement; exported as the <c>role</c> label.</summary>
internal enum MetricRole
{
    /// <summary>A peer (a communicator that takes part in collectives).</summary>
    Peer = 0,

    /// <summary>The master that orchestrates the peers.</summary>
    Master = 1,
}
