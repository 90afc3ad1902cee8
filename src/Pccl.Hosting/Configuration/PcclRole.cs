namespace Pccl.Hosting.Configuration;

/// <summary>What a <c>pccl</c> process started without a verb runs (<c>PCCL_ROLE</c>).</summary>
public enum PcclRole
{
    /// <summary>The master that orchestrates the run.</summary>
    Master,

    /// <summary>A worker (peer).</summary>
    Worker,
}
