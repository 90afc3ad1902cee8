using System.Runtime.InteropServices;

namespace Pccl.Cli;

/// <summary>
/// SIGTERM (a container or pod being stopped) and SIGINT (Ctrl+C) cancel the running verb's token instead of ending the
/// process at once, so a worker leaves its group gracefully and a master closes its connections, and both exit 0. A
/// process that does not stop is for the sender to kill (a container runtime does so after its grace period).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignals() => _registrations = [Register(PosixSignal.SIGTERM), Register(PosixSignal.SIGINT)];

    public CancellationToken Token => _stop.Token;

    private PosixSignalRegistration Register(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
    {
        context.Cancel = true;
        _stop.Cancel();
    });

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }
}
