using System.Threading.Channels;
using Pccl.Protocol.Codec;

namespace Pccl.Operations.StateSync;

/// <summary>
/// The receiver side of a synchronisation: pulls disjoint block ranges of the dirty tensors from all their donors at
/// once, over one or more connections per donor (<see cref="DefaultStreamsPerDonor"/>), straight into the tensors. Each donor's ranges are cut into pieces of a few blocks that its connections take in turn.
/// Every block is hashed as it arrives, while the next one is read, and checked against the donor's block hash; a donor
/// that fails (connection lost, bad frame, damaged block) is dropped and the unfinished pieces of all its connections
/// move to the remaining donors of each tensor. At the end each tensor's hash is rebuilt from the block hashes of the
/// bytes now in place and must equal the elected hash.
/// </summary>
internal sealed class StateFetcher
{
    /// <summary>
    /// STATE connections a receiver opens to each donor: 2 with 8 cores or more, else 1. Each stream keeps about two
    /// cores busy on loopback (the kernel's send and receive copies); on 2 cores a second stream measured no faster.
    /// </summary>
    public static readonly int DefaultStreamsPerDonor = Environment.ProcessorCount >= 8 ? 2 : 1;

    /// <summary>Blocks per request with several connections per donor: small enough that they share its ranges, large enough that the request round trip does not show.</summary>
    public const int PieceBlocks = 4;

    /// <summary>Requests a connection keeps outstanding: the donor starts on the next piece while this one is still arriving.</summary>
    private const int RequestsAhead = 2;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, FetchTensor> _tensors;
    private readonly TensorTransfer[] _transfers;
    private readonly Dictionary<string, ulong[]> _blockHashes;
    private readonly Func<ulong, CancellationToken, Task<Stream>> _connect;
    private readonly ulong _sequence;
    private readonly int _blockSize;
    private readonly int _streamsPerDonor;
    private readonly TransferPlanner _planner;
    private readonly Dictionary<ulong, Channel<BlockRange>> _queues = [];
    private readonly List<Task> _workers = [];
    private readonly HashSet<ulong> _lost = [];
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _stop;
    private int _remainingBlocks;
    private long _bytesReceived;

    /// <param name="tensors">The dirty tensors.</param>
    /// <param name="connect">Opens a STATE connection to a donor (the fetcher disposes the stream).</param>
    /// <param name="sequence">The round's sequence, checked in every frame.</param>
    /// <param name="blockSize">The hash block size.</param>
    /// <param name="streamsPerDonor">Connections opened to each donor; 0 for <see cref="DefaultStreamsPerDonor"/>.</param>
    public StateFetcher(
        IReadOnlyList<FetchTensor> tensors, Func<ulong, CancellationToken, Task<Stream>> connect, ulong sequence, int blockSize = TensorHasher.DefaultBlockSize,
        int streamsPerDonor = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(streamsPerDonor);
        _streamsPerDonor = streamsPerDonor == 0 ? DefaultStreamsPerDonor : streamsPerDonor;
        _tensors = tensors.ToDictionary(t => t.Key, StringComparer.Ordinal);
        _transfers = [.. tensors.Select(t => new TensorTransfer(t.Key, t.Target.Length, t.Donors))];
        _blockHashes = tensors.ToDictionary(t => t.Key, t => new ulong[TensorHasher.BlockCount(t.Target.Length, blockSize)], StringComparer.Ordinal);
        _connect = connect;
        _sequence = sequence;
        _blockSize = blockSize;
        _planner = new TransferPlanner(blockSize);
    }

    /// <summary>Payload bytes received and verified.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Donors dropped during the transfer, ascending.</summary>
    public IReadOnlyList<ulong> LostDonors
    {
        get
        {
            lock (_gate)
            {
                return [.. _lost.Order()];
            }
        }
    }

    /// <summary>Fetches and verifies every tensor.</summary>
    /// <exception cref="PcclException">Every donor of a tensor was lost (PeerLost, transient) or a tensor does not hash to the elected hash (IntegrityFailure, transient).</exception>
    public async Task RunAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _stop = linked.Token;
        var ranges = _planner.Plan(_transfers);
        lock (_gate)
        {
            _remainingBlocks = ranges.Sum(r => r.BlockCount);
            if (_remainingBlocks == 0)
            {
                _finished.TrySetResult();
            }

            foreach (var range in ranges)
            {
                Enqueue(range);
            }
        }

        try
        {
            await _finished.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Task[] workers;
            lock (_gate)
            {
                _finished.TrySetCanceled(CancellationToken.None); // no new workers from here on
                foreach (var queue in _queues.Values)
                {
                    queue.Writer.TryComplete();
                }

                workers = [.. _workers];
            }

            await linked.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        Verify();
    }

    // Call under _gate.
    private void Enqueue(BlockRange range)
    {
        if (!_queues.TryGetValue(range.Donor, out var queue))
        {
            queue = Channel.CreateUnbounded<BlockRange>();
            _queues[range.Donor] = queue;
            var donor = range.Donor;
            for (var i = 0; i < _streamsPerDonor; i++)
            {
                _workers.Add(Task.Run(() => WorkAsync(donor, queue.Reader)));
            }
        }

        // One connection gains nothing from pieces but a request round trip each; several share the donor's ranges in pieces.
        var pieceBlocks = _streamsPerDonor == 1 ? Math.Max(1, range.BlockCount) : PieceBlocks;
        for (var first = 0; first < range.BlockCount; first += pieceBlocks)
        {
            var skipped = (long)first * _blockSize;
            var count = Math.Min(pieceBlocks, range.BlockCount - first);
            var length = Math.Min((long)count * _blockSize, range.Length - skipped);
            queue.Writer.TryWrite(range with { FirstBlock = range.FirstBlock + first, BlockCount = count, Offset = range.Offset + skipped, Length = length });
        }
    }

    /// <summary>
    /// One connection to <paramref name="donor"/>: takes pieces from the donor's queue until it is complete, with up to
    /// <see cref="RequestsAhead"/> requested at once (one round trip per piece would idle the link between the many
    /// small tensors of a model).
    /// </summary>
    private async Task WorkAsync(ulong donor, ChannelReader<BlockRange> queue)
    {
        Stream? stream = null;
        var requested = new Queue<BlockRange>(); // the head is being read
        Task? pending = null; // the verification of the block before the one being read
        var verified = 0;
        try
        {
            stream = await _connect(donor, _stop).ConfigureAwait(false);
            var request = new byte[StateBlockRequest.Size];
            var prefix = new byte[StateBlockFrame.PrefixSize];
            while (true)
            {
                if (requested.Count < RequestsAhead && queue.TryRead(out var next))
                {
                    requested.Enqueue(next); // before the write: a write that fails hands the piece on with the rest
                    new StateBlockRequest(_tensors[next.Key].KeyIndex, next.Offset, next.Length).Write(request);
                    await stream.WriteAsync(request, _stop).ConfigureAwait(false);
                    await stream.FlushAsync(_stop).ConfigureAwait(false);
                    continue;
                }

                if (requested.Count == 0)
                {
                    if (!await queue.WaitToReadAsync(_stop).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                var range = requested.Peek();
                var tensor = _tensors[range.Key];

                // Block k is hashed on the pool while block k + 1 is read; only a verified block counts as received.
                for (var block = range.FirstBlock; block < range.FirstBlock + range.BlockCount; block++)
                {
                    var (target, claimed) = await ReceiveBlockAsync(stream, prefix, tensor, block).ConfigureAwait(false);
                    if (pending is not null)
                    {
                        await pending.ConfigureAwait(false);
                        (pending, verified) = (null, verified + 1);
                    }

                    var arrived = block;
                    pending = Task.Run(() => Accept(tensor, donor, arrived, target, claimed));
                }

                if (pending is not null)
                {
                    await pending.ConfigureAwait(false);
                    (pending, verified) = (null, verified + 1);
                }

                requested.Dequeue();
                verified = 0; // counts the blocks of the piece at the head of the requests
            }
        }
        catch (Exception e) when (!_stop.IsCancellationRequested && IsDonorFailure(e))
        {
            // A block still being verified counted (or failed) on its own; it must not be fetched again as well.
            if (pending is not null && await SucceedsAsync(pending).ConfigureAwait(false))
            {
                verified++;
            }

            pending = null;
            DropDonor(donor, Leftovers(requested, verified), e);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // the transfer is over (done, failed or cancelled)
        }
        catch (Exception e)
        {
            _finished.TrySetException(e);
        }
        finally
        {
            if (pending is not null)
            {
                await SucceedsAsync(pending).ConfigureAwait(false);
            }

            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>What a failed connection still owed: the unverified rest of the piece being read and every piece requested after it.</summary>
    private List<BlockRange> Leftovers(Queue<BlockRange> requested, int verifiedOfHead)
    {
        var leftovers = new List<BlockRange>();
        var head = true;
        foreach (var range in requested)
        {
            if ((head ? Unfinished(range, verifiedOfHead) : range) is { } left)
            {
                leftovers.Add(left);
            }

            head = false;
        }

        return leftovers;
    }

    /// <summary>Reads one block frame into its place in the tensor; returns the bytes and the donor's hash of them.</summary>
    private async Task<(ReadOnlyMemory<byte> Target, ulong Claimed)> ReceiveBlockAsync(Stream stream, byte[] prefix, FetchTensor tensor, int block)
    {
        var (offset, length) = TensorHasher.BlockRange(tensor.Target.Length, block, _blockSize);
        await stream.ReadExactlyAsync(prefix, _stop).ConfigureAwait(false);
        var claimed = StateBlockFrame.ReadPrefix(prefix, tensor.KeyIndex, _sequence, block, length);
        var target = tensor.Target.Slice((int)offset, length);
        await stream.ReadExactlyAsync(target, _stop).ConfigureAwait(false);
        return (target, claimed);
    }

    /// <summary>Verifies a block that arrived and counts it.</summary>
    private void Accept(FetchTensor tensor, ulong donor, int block, ReadOnlyMemory<byte> bytes, ulong claimed)
    {
        var actual = TensorHasher.HashBlock(bytes.Span);
        if (actual != claimed)
        {
            throw new PcclException(PcclErrorCode.IntegrityFailure,
                $"block {block} of shared-state key '{tensor.Key}' from peer {donor} hashes to {actual:X16} but the donor sent {claimed:X16}: " +
                "the bytes were damaged in transit", isTransient: true);
        }

        _blockHashes[tensor.Key][block] = actual;
        Interlocked.Add(ref _bytesReceived, bytes.Length);
        lock (_gate)
        {
            if (--_remainingBlocks == 0)
            {
                _finished.TrySetResult();
            }
        }
    }

    private BlockRange? Unfinished(BlockRange range, int verified)
    {
        if (verified >= range.BlockCount)
        {
            return null;
        }

        var skipped = (long)verified * _blockSize;
        return range with { FirstBlock = range.FirstBlock + verified, BlockCount = range.BlockCount - verified, Offset = range.Offset + skipped, Length = range.Length - skipped };
    }

    /// <summary>
    /// Drops a failed donor and moves what it still had to send to the remaining donors of each tensor. Each of the
    /// donor's connections calls this when it fails; the first one also moves the donor's queued pieces, and connections
    /// still busy finish their requested pieces or hand in what is left of them when they fail in turn.
    /// </summary>
    private void DropDonor(ulong donor, IReadOnlyList<BlockRange> unfinished, Exception reason)
    {
        lock (_gate)
        {
            if (_finished.Task.IsCompleted)
            {
                return;
            }

            _lost.Add(donor);
            var queue = _queues[donor];
            queue.Writer.TryComplete();
            var orphans = new List<BlockRange>(unfinished);

            while (queue.Reader.TryRead(out var queued))
            {
                orphans.Add(queued);
            }

            IReadOnlyList<BlockRange> moved;
            try
            {
                moved = _planner.Reassign(orphans, _lost, _transfers);
            }
            catch (PcclException e)
            {
                _finished.TrySetException(new PcclException(e.Code, $"{e.Message} The last one, peer {donor}, failed: {reason.Message}", e.IsTransient, reason)
                {
                    LostPeerId = donor,
                });
                return;
            }

            foreach (var range in moved)
            {
                Enqueue(range);
            }
        }
    }

    private void Verify()
    {
        foreach (var tensor in _tensors.Values)
        {
            var actual = TensorHasher.Combine(_blockHashes[tensor.Key], tensor.Target.Length);
            if (actual != tensor.ExpectedHash)
            {
                throw new PcclException(PcclErrorCode.IntegrityFailure,
                    $"shared-state key '{tensor.Key}' as received from peer(s) {string.Join(", ", tensor.Donors)} hashes to {actual:X16}, not the elected " +
                    $"{tensor.ExpectedHash:X16}: a donor changed its buffer during the synchronisation; keep buffers untouched until it returns, then retry",
                    isTransient: true);
            }
        }
    }

    private static async Task<bool> SucceedsAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
            return true;
        }
        catch (PcclException)
        {
            return false;
        }
    }

    private static bool IsDonorFailure(Exception e) =>
        e is IOException or EndOfStreamException or ObjectDisposedException or PcclException or OperationCanceledException;
}
