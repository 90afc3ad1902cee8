using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Watches, while a ring schedule runs, the connection to the successor, which this peer only writes to. A peer whose
/// successor died learns it from that link only at its next write, and one waiting on its predecessor may have none
/// to make: it waited for the master's abort, after the predecessor of the dead peer had seen the end of stream,
/// reported and been relayed. The watch fails the schedule as soon as the successor's end closes or resets, as the
/// receive path does for the predecessor's.
/// </summary>
internal sealed class SuccessorWatch : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private volatile Exception? _failure;

    /// <param name="outgoing">The connection to the successor (the first stripe: every stripe ends with its process).</param>
    /// <param name="failFast">Cancelled when the successor closes.</param>
    public SuccessorWatch(EstablishedConnection outgoing, CancellationTokenSource failFast) => _ = WatchAsync(outgoing, failFast);

    /// <summary>Why the schedule failed when the successor closed first; null while it has not.</summary>
    public Exception? Failure => _failure;

    /// <summary>Stops watching: a successor that closes now is no longer this schedule's failure.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task WatchAsync(EstablishedConnection outgoing, CancellationTokenSource failFast)
    {
        try
        {
            if (await outgoing.WaitForCloseByPeerAsync(_stop.Token).ConfigureAwait(false))
            {
                _failure = new EndOfStreamException("the ring successor closed the connection while this peer still had frames to send it");
                await failFast.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // the schedule ended first
        }
    }
}
