namespace Pccl;

public sealed partial class Communicator
{
    private CommunicatorDiagnostics? _diagnostics;

    /// <summary>Readings of this peer's internals that the public API does not show; for tests.</summary>
    internal CommunicatorDiagnostics Diagnostics => _diagnostics ??= new CommunicatorDiagnostics(() => _heartbeats, () => _heartbeatSession, () => _listener);
}
