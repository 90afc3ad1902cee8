namespace Pccl.Operations.Collectives;

/// <summary>
/// Sends one operation's frames to the successor over the stripes of its lane, each stripe written by its own
/// <see cref="RingSender"/>: frames go to the stripes in turn, skipping a stripe with more frames queued or being
/// written than another (the first frame to the first stripe, whose first frame tells the receiver the count), so a
/// stream that waits for its window takes fewer frames and holds back none of the others'. Once the operation's last
/// frame is queued, every stripe queues its end (<see cref="StripeArrivals"/>). With one stripe it is that stripe's
/// sender, and ends nothing.
/// </summary>
internal sealed class StripedSender : IDisposable
{
    private readonly RingSender[] _stripes;
    private readonly Lock _assign = new();
    private readonly int _frames;
    private int _posted;
    private int _next;

    /// <param name="wire">How pieces are encoded.</param>
    /// <param name="transfer">The operation's identity; its outgoing connection and send scratch are replaced by each stripe's.</param>
    /// <param name="outgoing">The stripes, in order.</param>
    /// <param name="failFast">Cancelled on the first write failure of any stripe.</param>
    /// <param name="inputWaiting">Whether bytes are waiting for the receive path's next read.</param>
    /// <param name="frames">How many frames the operation sends on this hop: the last one ends the stripes.</param>
    public StripedSender(RingWire wire, RingTransfer transfer, IReadOnlyList<OutgoingStripe> outgoing, CancellationTokenSource failFast, Func<bool> inputWaiting, int frames)
    {
        _frames = frames;
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

    /// <summary>Queues the hop's next frame on the stripe least behind; may be called from several threads.</summary>
    public void Post(RingPhase phase, PieceRef piece)
    {
        if (_stripes.Length == 1)
        {
            _stripes[0].Post(phase, piece);
            return;
        }

        RingSender stripe;
        bool last;
        lock (_assign)
        {
            stripe = LeastBehind();
            stripe.Enqueue(phase, piece);
            last = ++_posted == _frames;
            if (last)
            {
                foreach (var each in _stripes)
                {
                    each.EnqueueStripeEnd();
                }
            }
        }

        if (last)
        {
            Resume();
        }
        else
        {
            stripe.Resume();
        }
    }

    /// <summary>The next stripe in turn among those least behind: turns while all keep up, as even as fixed turns would be.</summary>
    private RingSender LeastBehind()
    {
        Span<int> backlogs = stackalloc int[_stripes.Length];
        var least = int.MaxValue;
        for (var i = 0; i < _stripes.Length; i++)
        {
            backlogs[i] = _stripes[i].Backlog;
            least = Math.Min(least, backlogs[i]);
        }

        var chosen = _next;
        while (backlogs[chosen] != least)
        {
            chosen = chosen + 1 == _stripes.Length ? 0 : chosen + 1;
        }

        _next = chosen + 1 == _stripes.Length ? 0 : chosen + 1;
        return _stripes[chosen];
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
