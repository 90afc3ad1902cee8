using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Pccl.Protocol.Codec;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Writes one ring operation's pieces to the successor in the order they become ready, one frame at a time, with no
/// thread of its own: the poster that finds the link idle writes, and a write the socket cannot take at once
/// continues on the socket's completion. So a piece reduced on the receive path is on the wire without a thread hop,
/// and a slow successor never blocks the receive path (which would deadlock a ring of full sockets).
/// </summary>
/// <remarks>
/// <para>Interleaving: after each frame the pump gives way when bytes are already waiting on the connection the
/// receive path reads next (only a plain one can tell) (<c>inputWaiting</c>), so a backlog of queued pieces is written alternately with reads
/// instead of all before the next read. Each post and each read resumes the pump (<see cref="Resume"/>) for at least
/// one frame, so step 0's slice still goes out first (queueing it unwritten was slower: docs/performance.md). This
/// cannot stall the schedule: the pump gives way only when the next read's bytes exist, which belong to a frame whose
/// write is under way, so the receive path progresses and resumes it before its next read; and <see cref="Finish"/>
/// writes the rest without giving way. A schedule that reads more than one socket must therefore say which one it
/// reads next, and say it before it resumes its senders.</para>
/// <para><see cref="Post"/>, <see cref="Resume"/> and <see cref="Finish"/> may come from several threads (a striped
/// hop's stripe readers); each takes the lock, and only the call that finds the pump idle or parked runs it.</para>
/// </remarks>
internal sealed class RingSender : IDisposable
{
    /// <summary>Payloads up to this size are copied behind their header and written in one call (one segment, one syscall).</summary>
    private const int CoalesceBytes = 32 * 1024;

    private readonly RingWire _wire;
    private readonly RingTransfer _transfer;
    private readonly Stream _outgoing;
    private readonly CancellationTokenSource _failFast;
    private readonly Func<bool> _inputWaiting;
    private readonly Queue<(RingPhase Phase, PieceRef Piece, bool StripeEnd)> _ready = new();
    private readonly Lock _gate = new();
    private readonly byte[] _frame = ArrayPool<byte>.Shared.Rent(DataFrameHeader.Size + CoalesceBytes);
    private readonly PumpSignal _resumed = new();
    private readonly CancellationTokenRegistration _stopOnFailure;
    private PumpState _state;
    private PieceRef _reading;
    private bool _finishing;
    private Task? _pump;
    private long _bytesSent;

    /// <param name="wire">How pieces are encoded.</param>
    /// <param name="transfer">The operation's identity, outgoing stream and send scratch.</param>
    /// <param name="failFast">Cancelled on the first write failure, so the receive path stops waiting.</param>
    /// <param name="inputWaiting">Whether bytes are waiting for the receive path's next read (see the remarks).</param>
    public RingSender(RingWire wire, RingTransfer transfer, CancellationTokenSource failFast, Func<bool> inputWaiting)
    {
        _wire = wire;
        _transfer = transfer;
        _outgoing = transfer.Outgoing.Stream;
        _failFast = failFast;
        _inputWaiting = inputWaiting;
        // a parked pump must wake to end when the operation fails, or draining it would wait forever
        _stopOnFailure = failFast.Token.Register(static sender => ((RingSender)sender!).Resume(), this);
    }

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>What a write failed with, set before the receive path is cancelled; null while writes succeed.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// The piece whose frame the pump is writing (an empty piece: none). Once the operation's fail-fast token is
    /// cancelled the pump dequeues nothing more, so this is the only piece of the buffer a write may still read.
    /// </summary>
    public PieceRef Reading
    {
        get
        {
            lock (_gate)
            {
                return _reading;
            }
        }
    }

    /// <summary>Queues a piece whose bytes are final for <paramref name="phase"/>; starts writing if the link is idle.</summary>
    public void Post(RingPhase phase, PieceRef piece)
    {
        Enqueue(phase, piece);
        Resume();
    }

    /// <summary>Queues a piece as <see cref="Post"/> does without starting the pump; <see cref="Resume"/> starts it.</summary>
    public void Enqueue(RingPhase phase, PieceRef piece)
    {
        lock (_gate)
        {
            _ready.Enqueue((phase, piece, false));
        }
    }

    /// <summary>Queues the stripe's end (<see cref="DataFrameKind.StripeEnd"/>) behind its last piece; <see cref="Resume"/> writes it.</summary>
    public void EnqueueStripeEnd()
    {
        lock (_gate)
        {
            _ready.Enqueue((default, default, true));
        }
    }

    /// <summary>Frames queued or being written: how far this stripe is behind the others.</summary>
    public int Backlog
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count + (_state == PumpState.Writing ? 1 : 0);
            }
        }
    }

    /// <summary>Starts writing queued pieces if the pump gave way or is idle; wakes a parked pump to end once finishing or failed.</summary>
    public void Resume()
    {
        PumpState was;
        lock (_gate)
        {
            var stopping = _finishing || _failFast.IsCancellationRequested;
            if (_state is PumpState.Writing or PumpState.Ended || (_ready.Count == 0 && !stopping))
            {
                return;
            }

            was = _state;
            _state = PumpState.Writing;
        }

        // the pump runs on this thread until a write has to wait or it gives way again
        if (was == PumpState.NotStarted)
        {
            _pump = PumpAsync();
        }
        else
        {
            _resumed.Set();
        }
    }

    /// <summary>No more reads will follow: write everything queued without giving way, then stop.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            _finishing = true;
        }

        Resume();
    }

    /// <summary>Completes when every posted piece is written (after <see cref="Finish"/>); throws what a write failed with.</summary>
    public Task DrainAsync() => _pump ?? Task.CompletedTask;

    /// <summary>
    /// One pump per operation: it parks on a reusable signal when it gives way or runs dry, instead of ending and being
    /// started again, so a warm operation allocates nothing per piece.
    /// </summary>
    private async Task PumpAsync()
    {
        try
        {
            var written = 0;
            while (true)
            {
                (RingPhase Phase, PieceRef Piece, bool StripeEnd) next;
                var park = false;
                lock (_gate)
                {
                    _reading = default; // the previous write, if any, has returned
                    if (_failFast.IsCancellationRequested || (_ready.Count == 0 && _finishing))
                    {
                        _state = PumpState.Ended;
                        _failFast.Token.ThrowIfCancellationRequested();
                        return;
                    }

                    if (_ready.Count == 0 || (written > 0 && !_finishing && _inputWaiting()))
                    {
                        _state = PumpState.Parked;
                        _resumed.Reset();
                        park = true;
                        next = default;
                    }
                    else
                    {
                        next = _ready.Dequeue();
                        _reading = next.Piece;
                    }
                }

                if (park)
                {
                    await _resumed.WaitAsync().ConfigureAwait(false);
                    written = 0;
                    continue;
                }

                if (next.StripeEnd)
                {
                    await WriteStripeEndAsync().ConfigureAwait(false);
                }
                else
                {
                    await WriteFrameAsync(next.Phase, next.Piece).ConfigureAwait(false);
                }

                written++;
            }
        }
        catch (Exception e)
        {
            // the receive path must not wait for frames this peer will never forward
            lock (_gate)
            {
                _state = PumpState.Ended;
            }

            Failure = e;
            await _failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteFrameAsync(RingPhase phase, PieceRef piece)
    {
        var ct = _failFast.Token;
        var payload = _wire.SendPayload(phase, piece, _transfer.SendScratch);
        var header = new DataFrameHeader(phase.FrameKind(), (ushort)_transfer.OutgoingStripes, _transfer.Tag, _transfer.Sequence, (uint)piece.Index, payload.Length);
        header.Write(_frame);
        if (payload.Length <= CoalesceBytes)
        {
            payload.Span.CopyTo(_frame.AsSpan(DataFrameHeader.Size));
            await _outgoing.WriteAsync(_frame.AsMemory(0, DataFrameHeader.Size + payload.Length), ct).ConfigureAwait(false);
        }
        else
        {
            await _outgoing.WriteAsync(_frame.AsMemory(0, DataFrameHeader.Size), ct).ConfigureAwait(false);
            await _outgoing.WriteAsync(payload, ct).ConfigureAwait(false);
        }

        Interlocked.Add(ref _bytesSent, payload.Length);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteStripeEndAsync()
    {
        new DataFrameHeader(DataFrameKind.StripeEnd, (ushort)_transfer.OutgoingStripes, _transfer.Tag, _transfer.Sequence, uint.MaxValue, 0).Write(_frame);
        await _outgoing.WriteAsync(_frame.AsMemory(0, DataFrameHeader.Size), _failFast.Token).ConfigureAwait(false);
    }

    /// <summary>Call only after <see cref="DrainAsync"/> has finished, so no write still reads the frame buffer.</summary>
    public void Dispose()
    {
        _stopOnFailure.Dispose();
        ArrayPool<byte>.Shared.Return(_frame);
    }

    private enum PumpState
    {
        NotStarted,
        Writing,
        /// <summary>Gave way or ran dry; the next <see cref="Resume"/> wakes it.</summary>
        Parked,
        Ended,
    }

    /// <summary>What a parked pump awaits: one reusable awaitable, reset at each park and set by the next resume.</summary>
    private sealed class PumpSignal : IValueTaskSource
    {
        // continuations run on the thread that sets it, as a directly started pump would
        private ManualResetValueTaskSourceCore<bool> _core;

        public void Reset() => _core.Reset();

        public void Set() => _core.SetResult(true);

        public ValueTask WaitAsync() => new(this, _core.Version);

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
