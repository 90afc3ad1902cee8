using Pccl.Protocol.Codec;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Receives a ring hop's frames in the order they arrive: one reader per stripe, each applying its frames as they
/// come, until every stripe has sent its end (one stripe: until the hop's last frame). The sender puts each frame on the stripe that drains first, so a stripe
/// that stalls (a loss, a congestion control's pause) holds back only the frames already on it, while fixed turns
/// would hold back the whole hop once the other stripes' buffers fill. The result does not depend on the order: each
/// piece is reduced with the same operands in the same ring order whichever stripe brought it. An unstriped hop is read
/// the same way: a peer forwards pieces in the order they reached it, which past a striped hop is not the schedule's.
/// </summary>
/// <remarks>
/// Every frame must be one of the hop's pieces not yet received; a duplicate, a piece of a slice this peer does not
/// receive in that phase, or a stripe's end with frames missing is a <see cref="ProtocolException"/>. Admission and
/// the backup's save of what a piece will overwrite run under one lock: the backup is written by one thread at a time.
/// </remarks>
internal sealed class StripeArrivals
{
    private readonly RingLayout _layout;
    private readonly RingWire _wire;
    private readonly InputBackup? _backup;
    private readonly int[] _stepOfSlice; // [phase * world + slice]: the step that receives it, -1 for none
    private readonly bool[] _arrived; // [phase * pieces + piece index]
    private readonly Lock _gate = new();
    private readonly Func<DataFrameHeader, HopFrame> _admit; // one delegate for all frames: a warm operation allocates nothing per piece
    private int _remaining;
    private Exception? _rootCause;

    /// <summary>How many frames the hop brings this peer in all.</summary>
    public int Frames { get; }

    /// <param name="layout">The operation's slices and pieces.</param>
    /// <param name="wire">Which received pieces write the caller's buffer.</param>
    /// <param name="backup">Saves a piece's input before the first write into it; null without backup.</param>
    /// <param name="steps">For each step this peer receives at (its index), the phase and the slice it receives.</param>
    public StripeArrivals(RingLayout layout, RingWire wire, InputBackup? backup, IReadOnlyDictionary<int, (RingPhase Phase, int Slice)> steps)
    {
        _layout = layout;
        _wire = wire;
        _backup = backup;
        _stepOfSlice = Enumerable.Repeat(-1, 2 * layout.WorldSize).ToArray();
        _arrived = new bool[2 * layout.TotalPieces];
        _admit = Admit;
        foreach (var (step, (phase, slice)) in steps)
        {
            _stepOfSlice[(PhaseIndex(phase) * layout.WorldSize) + slice] = step;
            Frames += layout.PieceCount(slice);
        }

        _remaining = Frames;
    }

    /// <summary>
    /// Reads every stripe until each has ended, handing each frame to <paramref name="apply"/> (with the stripe's
    /// <paramref name="decodeScratch"/>) on the thread that read it; several run at once. Returns once every stripe's
    /// reader has stopped, also on failure, so nothing writes the buffer after it.
    /// </summary>
    public async Task RunAsync(
        IReadOnlyList<OperationFrameReader> readers, Func<int, Memory<byte>> decodeScratch, Func<HopFrame, Memory<byte>, Memory<byte>, ValueTask> apply,
        CancellationTokenSource failFast)
    {
        try
        {
            if (readers.Count == 1)
            {
                // the common case, awaited directly: no task per stripe and no join on the operation's path
                await ReadStripeAsync(readers[0], alone: true, decodeScratch(0), apply, failFast).ConfigureAwait(false);
            }
            else
            {
                var stripes = new Task[readers.Count];
                for (var i = 0; i < stripes.Length; i++)
                {
                    stripes[i] = ReadStripeAsync(readers[i], alone: false, decodeScratch(i), apply, failFast).AsTask();
                }

                await Task.WhenAll(stripes).ConfigureAwait(false);
            }
        }
        catch (Exception) when (_rootCause is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_rootCause);
        }

        if (Volatile.Read(ref _remaining) != 0)
        {
            throw new ProtocolException($"the predecessor ended its {readers.Count} stripes with {_remaining} of the hop's frames not sent");
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadStripeAsync(
        OperationFrameReader stripe, bool alone, Memory<byte> decodeScratch, Func<HopFrame, Memory<byte>, Memory<byte>, ValueTask> apply, CancellationTokenSource failFast)
    {
        try
        {
            // one stripe needs no end: its reader stops after the hop's last frame, and no other waits on a stripe
            while (!(alone && Volatile.Read(ref _remaining) == 0)
                && await stripe.ReadAnyPieceAsync(_admit, failFast.Token).ConfigureAwait(false) is { } arrived)
            {
                await apply(arrived.Frame, arrived.Payload, decodeScratch).ConfigureAwait(false);
                Interlocked.Decrement(ref _remaining);
            }
        }
        catch (Exception e)
        {
            // the first failure that is not a sibling's cancellation is the one to report
            if (e is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref _rootCause, e, null);
            }

            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ProtocolException NotReceivedHere(DataFrameHeader header) =>
        new($"ring frame {header.Kind} piece {header.Piece} is not one this peer receives in that phase");

    private HopFrame Admit(DataFrameHeader header)
    {
        RingPhase phase = header.Kind switch
        {
            DataFrameKind.ReduceScatter => RingPhase.ReduceScatter,
            DataFrameKind.AllGather => RingPhase.AllGather,
            _ => throw new ProtocolException($"a {header.Kind} frame on a ring stripe"),
        };
        var (slice, piece) = _layout.PieceAt(header.Piece) ?? throw NotReceivedHere(header);
        var step = _stepOfSlice[(PhaseIndex(phase) * _layout.WorldSize) + slice];
        if (step < 0)
        {
            throw NotReceivedHere(header);
        }

        lock (_gate)
        {
            ref var arrived = ref _arrived[(PhaseIndex(phase) * _layout.TotalPieces) + piece.Index];
            if (arrived)
            {
                throw new ProtocolException($"ring frame {header.Kind} piece {header.Piece} arrived twice");
            }

            arrived = true;
            if (_wire.WritesBuffer(phase))
            {
                _backup?.BeforeWrite(piece);
            }
        }

        return new HopFrame(phase, piece, step);
    }

    private static int PhaseIndex(RingPhase phase) => phase == RingPhase.ReduceScatter ? 0 : 1;
}
