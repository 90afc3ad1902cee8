namespace Pccl.Operations.Collectives;

/// <summary>
/// Reads a striped hop's frames ahead of the schedule, one per stripe: while the schedule waits for frame n on its
/// stripe, every other stripe reads its next frame into a stage of its own. The schedule still takes the frames in the
/// hop's order (frame n from stripe n mod K), so every reduction is what it is unstriped; but a stream that lags (a
/// loss to recover, BBR's ProbeRTT) no longer leaves the others' bytes unread in their sockets, where they close the
/// receive windows and stall those streams too. A stripe's next read starts once the schedule has applied the frame
/// its stage held.
/// </summary>
internal sealed class StripeLookahead
{
    private readonly Memory<byte>[] _stages;
    private readonly Func<int, (RingPhase Phase, PieceRef Piece)?> _frameAt;
    private readonly Func<int, RingPhase, PieceRef, Memory<byte>, CancellationToken, ValueTask<Memory<byte>>> _read;
    private readonly ValueTask<Memory<byte>>[] _pending;
    private readonly int[] _pendingFrame;
    private readonly int[] _pendingPiece;

    /// <param name="stages">One stage per stripe, each large enough for any frame of the operation.</param>
    /// <param name="frameAt">The phase and piece of the hop's frame with the given number; null past the last.</param>
    /// <param name="read">Reads the next frame of a stripe, which must be the given piece of the given phase, into the
    /// given stage, and returns its payload there.</param>
    public StripeLookahead(
        Memory<byte>[] stages, Func<int, (RingPhase Phase, PieceRef Piece)?> frameAt,
        Func<int, RingPhase, PieceRef, Memory<byte>, CancellationToken, ValueTask<Memory<byte>>> read)
    {
        _stages = stages;
        _frameAt = frameAt;
        _read = read;
        _pending = new ValueTask<Memory<byte>>[stages.Length];
        _pendingFrame = new int[stages.Length];
        _pendingPiece = new int[stages.Length];
        Array.Fill(_pendingFrame, -1);
    }

    /// <summary>Starts reading frames 1 to K − 1, one on each stripe but the first, whose frame 0 the schedule read itself.</summary>
    public void Start(CancellationToken ct)
    {
        for (var frame = 1; frame < _stages.Length; frame++)
        {
            Begin(frame, ct);
        }
    }

    /// <summary>
    /// The payload of <paramref name="frame"/> (1 and up, in order), which must carry <paramref name="piece"/>, in its
    /// stripe's stage; the stage is the schedule's until its next call. Starts reading the frame K after the one before,
    /// whose stage the schedule has finished with.
    /// </summary>
    public ValueTask<Memory<byte>> TakeAsync(int frame, PieceRef piece, CancellationToken ct)
    {
        Begin(frame - 1 + _stages.Length, ct);
        var stripe = frame % _stages.Length;
        if (_pendingFrame[stripe] != frame)
        {
            throw new InvalidOperationException($"frame {frame} was not read ahead on stripe {stripe} (it reads frame {_pendingFrame[stripe]})");
        }

        _pendingFrame[stripe] = -1;
        if (_pendingPiece[stripe] != piece.Index)
        {
            throw new InvalidOperationException($"frame {frame} was read ahead as piece {_pendingPiece[stripe]}; the schedule takes piece {piece.Index}");
        }

        return _pending[stripe];
    }

    /// <summary>Waits until no read started here still writes a stage: call once the operation's token is cancelled.</summary>
    public async Task StopAsync()
    {
        for (var stripe = 0; stripe < _pending.Length; stripe++)
        {
            if (_pendingFrame[stripe] < 0)
            {
                continue;
            }

            _pendingFrame[stripe] = -1;
            try
            {
                await _pending[stripe].ConfigureAwait(false);
            }
            catch (Exception)
            {
                // the failure the operation reports came first; a read ahead only ends with it
            }
        }
    }

    private void Begin(int frame, CancellationToken ct)
    {
        if (_frameAt(frame) is not { } next)
        {
            return;
        }

        var stripe = frame % _stages.Length;
        if (_pendingFrame[stripe] >= 0)
        {
            throw new InvalidOperationException($"stripe {stripe} still reads frame {_pendingFrame[stripe]}; frame {frame} must wait for it");
        }

        _pendingFrame[stripe] = frame;
        _pendingPiece[stripe] = next.Piece.Index;
#pragma warning disable CA2012 // kept until TakeAsync or StopAsync consumes it, once: _pendingFrame says whether it is unconsumed
        _pending[stripe] = _read(stripe, next.Phase, next.Piece, _stages[stripe], ct);
#pragma warning restore CA2012
    }
}
