namespace Pccl.Operations.Collectives;

/// <summary>
/// Sends one operation's frames to the successor over the stripes of its lane: frame n goes to stripe n mod K, each
/// stripe written by its own <see cref="RingSender"/>, so a stream that waits for its window does not hold back the
/// others. With one stripe it is that stripe's sender.
/// </summary>
internal sealed class StripedSender : IDisposable
{
    private readonly RingSender[] _stripes;
    private int _next;

    /// <param name="wire">How pieces are encoded.</param>
    /// <param name="transfer">The operation's identity; its outgoing connection and send scratch are replaced by each stripe's.</param>
    /// <param name="outgoing">The stripes, in order.</param>
    /// <param name="failFast">Cancelled on the first write failure of any stripe.</param>
    /// <param name="inputWaiting">Whether bytes are waiting for the receive path's next read.</param>
    public StripedSender(RingWire wire, RingTransfer transfer, IReadOnlyList<OutgoingStripe> outgoing, CancellationTokenSource failFast, Func<bool> inputWaiting)
    {
        _stripes = new RingSender[outgoing.Count];
        for (var i = 0; i < _stripes.Length; i++)
        {
            var stripe = transfer with { Outgoing = outgoing[i].Connection, SendScratch = outgoing[i].SendScratch, OutgoingStripes = outgoing.Count };
            _stripes[i] = new RingSender(wire, stripe, failFast, inputWaiting);
        }
    }

    public long BytesSent => _stripes.Sum(s => s.BytesSent);

    /// <summary>The write failure that came first (the others then stop as cancelled); null while writes succeed.</summary>
    public Exception? Failure =>
        _stripes.Select(s => s.Failure).FirstOrDefault(f => f is not null and not OperationCanceledException)
        ?? _stripes.Select(s => s.Failure).FirstOrDefault(f => f is not null);

    /// <summary>The pieces the stripes' writes may still read (<see cref="RingSender.Reading"/>), empty pieces left out.</summary>
    /// <remarks>
    /// Plain loops: it runs only on the failure path, and LINQ over <see cref="PieceRef"/> would be generic code of
    /// another assembly over this one's struct, which ReadyToRun leaves to the JIT: ten methods compiled inside a
    /// process's first failure (<c>pccl bench recovery</c>'s <c>unwind_jit_methods</c>).
    /// </remarks>
    public PieceRef[] Reading()
    {
        var all = new PieceRef[_stripes.Length];
        var written = 0;
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = _stripes[i].Reading;
            written += all[i].Bytes > 0 ? 1 : 0;
        }

        if (written == all.Length)
        {
            return all;
        }

        var reading = new PieceRef[written];
        var next = 0;
        foreach (var piece in all)
        {
            if (piece.Bytes > 0)
            {
                reading[next++] = piece;
            }
        }

        return reading;
    }

    /// <summary>Queues the hop's next frame on its stripe.</summary>
    public void Post(RingPhase phase, PieceRef piece)
    {
        var stripe = _stripes[_next];
        _next = _next + 1 == _stripes.Length ? 0 : _next + 1;
        stripe.Post(phase, piece);
    }

    public void Resume()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Resume();
        }
    }

    public void Finish()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Finish();
        }
    }

    public Task DrainAsync() => _stripes.Length == 1 ? _stripes[0].DrainAsync() : Task.WhenAll(_stripes.Select(s => s.DrainAsync()));

    public void Dispose()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Dispose();
        }
    }
}
