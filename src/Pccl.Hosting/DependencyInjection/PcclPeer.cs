namespace Pccl.Hosting.DependencyInjection;

/// <summary>
/// The communicator of a generic host (registered by <c>AddPcclCommunicator</c>): the host joins the run when it
/// starts and leaves it when it stops. Inject this and await <see cref="WhenAcceptedAsync"/> before the first collective.
/// </summary>
public sealed class PcclPeer
{
    private readonly TaskCompletionSource<Communicator> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _left;

    internal PcclPeer(CommunicatorOptions options) => Options = options;

    /// <summary>The options the communicator connects with.</summary>
    public CommunicatorOptions Options { get; }

    /// <summary>The communicator, once the master accepted this peer into the run; null before.</summary>
    public Communicator? Communicator => _accepted.Task.IsCompletedSuccessfully ? _accepted.Task.Result : null;

    /// <summary>True while this peer is in the run: accepted, and the host not stopped.</summary>
    public bool IsInRun => _accepted.Task.IsCompletedSuccessfully && !_left;

    /// <summary>Why joining failed for good (a configuration or authentication error); null otherwise.</summary>
    public Exception? Failure => _accepted.Task.IsFaulted ? _accepted.Task.Exception.InnerException : null;

    /// <summary>Completes with the communicator once this peer is accepted (the first peer at once, later ones by vote).</summary>
    /// <exception cref="PcclException">Joining failed for good (<see cref="Failure"/>).</exception>
    public Task<Communicator> WhenAcceptedAsync(CancellationToken ct = default) => _accepted.Task.WaitAsync(ct);

    internal void Accept(Communicator communicator) => _accepted.TrySetResult(communicator);

    internal void Fail(Exception reason) => _accepted.TrySetException(reason);

    internal void Leave()
    {
        _left = true;
        _accepted.TrySetCanceled();
    }
}
