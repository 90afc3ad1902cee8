using System.Runtime.InteropServices;
using Pccl.Operations.Collectives;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Collectives;

/// <summary>
/// <see cref="StripeArrivals"/>, the receive side of a striped hop, over scripted stripes: frames are applied as they
/// arrive on any stripe, a stripe that stalls holds back only its own frames, and a frame the hop does not expect, a
/// duplicate or a stripe's end with frames missing fails the hop with a reason.
/// </summary>
/// <remarks>
/// Rank 0 of two, 24 four-byte elements in pieces of 4: it receives slice 1's pieces (3, 4, 5) in the reduce-scatter
/// (step 0) and slice 0's pieces (0, 1, 2) in the all-gather (step 1).
/// </remarks>
public class StripeArrivalsTests
{
    private const uint Tag = 7;
    private const ulong Sequence = 41;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FramesAreAppliedAsTheyArriveOnAnyStripeWhateverTheOrder()
    {
        var hop = new Hop();
        var first = Script((RingPhase.AllGather, 2), (RingPhase.ReduceScatter, 5), (RingPhase.ReduceScatter, 3), End);
        var second = Script((RingPhase.AllGather, 0), (RingPhase.ReduceScatter, 4), (RingPhase.AllGather, 1), End);

        await hop.RunAsync(first, second).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal([0, 1, 2, 3, 4, 5], hop.Applied.Select(a => a.Piece.Index).Order());
        Assert.All(hop.Applied, a => Assert.Equal(a.Phase == RingPhase.ReduceScatter ? 0 : 1, a.Step));
        // a gathered piece is read straight into the buffer; a reduce-scatter piece is handed over as it came
        Assert.Equal(Enumerable.Range(0, 12).Select(e => Value(e / 4, e % 4)), hop.Buffer[..12]);
        Assert.All(hop.Applied.Where(a => a.Phase == RingPhase.ReduceScatter), a =>
            Assert.Equal(Enumerable.Range(0, 4).Select(e => Value(a.Piece.Index, e)), a.Values));
    }

    [Fact]
    public async Task OneStripeIsReadInTheOrderItsFramesCameAndEndsWithTheHopsLastFrame()
    {
        // what a peer forwards over one connection after a striped hop: the order the pieces reached it, and no end frame
        var hop = new Hop();
        var only = Script(1, (RingPhase.ReduceScatter, 5), (RingPhase.AllGather, 1), (RingPhase.ReduceScatter, 3), (RingPhase.AllGather, 0),
            (RingPhase.ReduceScatter, 4), (RingPhase.AllGather, 2), (RingPhase.ReduceScatter, 3));

        await hop.RunAsync(only).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal([5, 1, 3, 0, 4, 2], hop.Applied.Select(a => a.Piece.Index));
        Assert.Equal(DataFrameHeader.Size + 16, only.Length - only.Position);
    }

    [Fact]
    public async Task AStalledStripeHoldsBackOnlyItsOwnFrames()
    {
        var ct = TestContext.Current.CancellationToken;
        var hop = new Hop();
        var first = Script((RingPhase.ReduceScatter, 3), (RingPhase.ReduceScatter, 4), (RingPhase.AllGather, 0), (RingPhase.AllGather, 1), End);
        var stalled = new StalledStream(Script((RingPhase.ReduceScatter, 5), (RingPhase.AllGather, 2), End));

        var run = hop.RunAsync(first, stalled);
        await hop.WaitForAsync(4).WaitAsync(Patience, ct);

        Assert.False(run.IsCompleted);
        Assert.Equal([0, 1, 3, 4], hop.Applied.Select(a => a.Piece.Index).Order());
        stalled.Release();
        await run.WaitAsync(Patience, ct);
        Assert.Equal([0, 1, 2, 3, 4, 5], hop.Applied.Select(a => a.Piece.Index).Order());
    }

    [Fact]
    public async Task AFrameArrivingTwiceFailsTheHop()
    {
        var e = await Assert.ThrowsAsync<ProtocolException>(() => new Hop().RunAsync(
            Script((RingPhase.ReduceScatter, 3), (RingPhase.ReduceScatter, 4), End),
            Script((RingPhase.ReduceScatter, 4), End)).WaitAsync(Patience, TestContext.Current.CancellationToken));

        Assert.Contains("piece 4 arrived twice", e.Message);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 5)]
    [InlineData(true, 6)]
    public async Task AFrameThisPeerDoesNotReceiveFailsTheHop(bool gathered, int piece)
    {
        var phase = gathered ? RingPhase.AllGather : RingPhase.ReduceScatter;
        var e = await Assert.ThrowsAsync<ProtocolException>(() => new Hop().RunAsync(Script((phase, piece), End), Script(End))
            .WaitAsync(Patience, TestContext.Current.CancellationToken));

        Assert.Contains($"piece {piece} is not one this peer receives in that phase", e.Message);
    }

    [Fact]
    public async Task StripesEndingWithFramesMissingFailTheHop()
    {
        var e = await Assert.ThrowsAsync<ProtocolException>(() => new Hop().RunAsync(
            Script((RingPhase.ReduceScatter, 3), (RingPhase.AllGather, 0), End),
            Script((RingPhase.ReduceScatter, 4), End)).WaitAsync(Patience, TestContext.Current.CancellationToken));

        Assert.Equal("the predecessor ended its 2 stripes with 3 of the hop's frames not sent", e.Message);
    }

    [Fact]
    public async Task AStripeThatClosesFailsTheHopAndStopsTheOthers()
    {
        var ct = TestContext.Current.CancellationToken;
        var stalled = new StalledStream(Script(End));

        var e = await Assert.ThrowsAsync<EndOfStreamException>(() => new Hop().RunAsync(Script((RingPhase.ReduceScatter, 3)), stalled).WaitAsync(Patience, ct));

        Assert.Contains("closed the connection", e.Message);
    }

    private static readonly (RingPhase Phase, int Piece) End = ((RingPhase)(-1), -1);

    /// <summary>The element value a scripted frame carries: its piece and position, so a misplaced byte shows.</summary>
    private static uint Value(int piece, int element) => (uint)((piece * 100) + element);

    private static MemoryStream Script(params (RingPhase Phase, int Piece)[] frames) => Script(2, frames);

    private static MemoryStream Script(ushort stripes, params (RingPhase Phase, int Piece)[] frames)
    {
        var stream = new MemoryStream();
        var header = new byte[DataFrameHeader.Size];
        foreach (var (phase, piece) in frames)
        {
            if (piece < 0)
            {
                new DataFrameHeader(DataFrameKind.StripeEnd, stripes, Tag, Sequence, uint.MaxValue, 0).Write(header);
                stream.Write(header);
                continue;
            }

            new DataFrameHeader(phase.FrameKind(), stripes, Tag, Sequence, (uint)piece, 16).Write(header);
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(Enumerable.Range(0, 4).Select(e => Value(piece, e)).ToArray().AsSpan()));
        }

        stream.Position = 0;
        return stream;
    }

    /// <summary>Rank 0's side of the hop, with an apply that records what arrived.</summary>
    private sealed class Hop
    {
        private readonly RingLayout _layout = new(24, 4, 2, 16);
        private readonly List<(RingPhase Phase, PieceRef Piece, int Step, uint[] Values)> _applied = [];
        private readonly SemaphoreSlim _arrivals = new(0);

        public uint[] Buffer { get; } = new uint[24];

        public IReadOnlyList<(RingPhase Phase, PieceRef Piece, int Step, uint[] Values)> Applied
        {
            get
            {
                lock (_applied)
                {
                    return [.. _applied];
                }
            }
        }

        public async Task WaitForAsync(int frames)
        {
            for (var i = 0; i < frames; i++)
            {
                await _arrivals.WaitAsync();
            }
        }

        public Task RunAsync(params Stream[] stripes)
        {
            var buffer = MemoryMarshal.AsBytes(Buffer.AsSpan()).ToArray();
            var wire = new RawWire(buffer, DataType.U32, ReduceOp.Sum, 2);
            var readers = stripes.Select(stream =>
            {
                var transfer = new RingTransfer(0, Tag, Sequence, null!, null!, Memory<byte>.Empty, new byte[16], Memory<byte>.Empty, Backup: null);
                return new OperationFrameReader(stream, transfer, wire, 16, () => { }) { ExpectedStripes = stripes.Length };
            }).ToList();
            Dictionary<int, (RingPhase Phase, int Slice)> steps = new() { [0] = (RingPhase.ReduceScatter, 1), [1] = (RingPhase.AllGather, 0) };
            var arrivals = new StripeArrivals(_layout, wire, backup: null, steps);
            return RunAndCopyBackAsync();

            async Task RunAndCopyBackAsync()
            {
                using var failFast = new CancellationTokenSource();
                try
                {
                    await arrivals.RunAsync(readers, _ => Memory<byte>.Empty, (frame, payload, _) =>
                    {
                        lock (_applied)
                        {
                            _applied.Add((frame.Phase, frame.Piece, frame.Step, MemoryMarshal.Cast<byte, uint>(payload.Span).ToArray()));
                        }

                        _arrivals.Release();
                        return ValueTask.CompletedTask;
                    }, failFast);
                }
                finally
                {
                    MemoryMarshal.Cast<byte, uint>(buffer.AsSpan()).CopyTo(Buffer);
                }
            }
        }
    }

    /// <summary>A stripe whose bytes are held back until <see cref="Release"/>, as a stream in a congestion control's pause.</summary>
    private sealed class StalledStream(Stream inner) : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _released.Task.WaitAsync(cancellationToken);
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
