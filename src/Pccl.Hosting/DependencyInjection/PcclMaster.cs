namespace Pccl.Hosting.DependencyInjection;

/// <summary>
/// The master of a generic host (registered by <c>AddPcclMaster</c>): it listens from the host's start until its stop.
/// </summary>
public sealed class PcclMaster
{
    private volatile MasterNode? _node;

    internal PcclMaster(MasterOptions options) => Options = options;

    /// <summary>The options the master runs with.</summary>
    public MasterOptions Options { get; }

    /// <summary>The running master; null before the host started and after it stopped.</summary>
    public MasterNode? Node => _node;

    /// <summary>The control port the master listens on; 0 while it does not run.</summary>
    public int Port => _node?.Port ?? 0;

    internal void Started(MasterNode node) => _node = node;

    internal MasterNode? Stopped() => Interlocked.Exchange(ref _node, null);
}
