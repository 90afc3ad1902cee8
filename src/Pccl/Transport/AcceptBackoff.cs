namespace Pccl.Transport;

/// <summary>
/// The pause an accept loop takes after a failed accept. A listener out of file descriptors (EMFILE) fails every
/// accept at once; retrying without a pause would spin a core and flood the log while nothing can succeed. The pause
/// starts at 10 ms and doubles to 100 ms while accepts keep failing; a successful accept resets it.
/// </summary>
internal sealed class AcceptBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Most = TimeSpan.FromMilliseconds(100);

    /// <summary>The pause the next failure waits.</summary>
    public TimeSpan Next { get; private set; } = First;

    /// <summary>Waits the current pause, then lengthens the next one.</summary>
    public async Task FailedAsync(CancellationToken ct)
    {
        var pause = Next;
        Next = pause * 2 < Most ? pause * 2 : Most;
        try
        {
            await Task.Delay(pause, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Succeeded() => Next = First;
}
