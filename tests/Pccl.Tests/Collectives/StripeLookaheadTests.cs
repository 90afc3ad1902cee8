using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

/// <summary>
/// A striped hop's stripes read ahead of the schedule, one frame each: a stripe that lags holds back only the frames it
/// carries, the schedule still takes every frame in the hop's order from its own stripe's stage, and a stage is read
/// into again only after the schedule has finished with it.
/// </summary>
public class StripeLookaheadTests
{
    private const int Stripes = 4;

    [Fact]
    public async Task WhileOneStripeLagsTheOthersReadTheirNextFrames()
    {
        var hop = new FakeHop(frames: 12);
        hop.Hold(1);
        var lookahead = hop.Lookahead();
        lookahead.Start(CancellationToken.None);

        var one = lookahead.TakeAsync(1, hop.Piece(1), CancellationToken.None).AsTask();

        // frame 0 was the schedule's own read; the lagging stripe 1 holds only frame 1, the others have read theirs
        Assert.Equal([1, 2, 3, 4], hop.Started);
        Assert.False(one.IsCompleted);
        Assert.Equal([2, 3, 4], hop.Finished);

        hop.Release(1);
        var payload = await one;
        Assert.Equal(1, payload.Span[0]);
        Assert.True(payload.Equals(hop.Stages[1][..payload.Length]), "a frame must be taken from its own stripe's stage");
    }

    [Fact]
    public async Task FramesAreTakenInTheHopsOrderAndAStageIsReusedOnlyAfterItsFrameWasTaken()
    {
        var hop = new FakeHop(frames: 10);
        var lookahead = hop.Lookahead();
        lookahead.Start(CancellationToken.None);

        for (var frame = 1; frame < 10; frame++)
        {
            var payload = await lookahead.TakeAsync(frame, hop.Piece(frame), CancellationToken.None);
            Assert.Equal(frame, payload.Span[0]);
            Assert.True(payload.Equals(hop.Stages[frame % Stripes][..payload.Length]));
            // the stage of this frame is read into again no earlier than the next take: frame + K starts then
            Assert.DoesNotContain(frame + Stripes, hop.Started);
        }

        // nothing past the last frame is read: the next operation's frames stay in the sockets
        Assert.Equal(Enumerable.Range(1, 9), hop.Started);
    }

    [Fact]
    public async Task APieceOutOfTheScheduleIsRefused()
    {
        var hop = new FakeHop(frames: 8);
        var lookahead = hop.Lookahead();
        lookahead.Start(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await lookahead.TakeAsync(1, hop.Piece(2), CancellationToken.None));
    }

    [Fact]
    public async Task StopWaitsForTheReadsStillWritingAStage()
    {
        var hop = new FakeHop(frames: 8);
        hop.Hold(2);
        hop.Hold(3);
        using var cancel = new CancellationTokenSource();
        var lookahead = hop.Lookahead();
        lookahead.Start(cancel.Token);
        await lookahead.TakeAsync(1, hop.Piece(1), cancel.Token);

        var stopped = lookahead.StopAsync();
        Assert.False(stopped.IsCompleted);
        await cancel.CancelAsync();
        hop.Release(2);
        Assert.False(stopped.IsCompleted);
        hop.Release(3);
        await stopped.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    /// <summary>A hop whose frame n carries piece n + 100 and a payload of 8 bytes, the first of them n; reads may be held.</summary>
    private sealed class FakeHop(int frames)
    {
        private readonly Dictionary<int, TaskCompletionSource> _held = [];

        public Memory<byte>[] Stages { get; } = [.. Enumerable.Range(0, Stripes).Select(_ => new Memory<byte>(new byte[16]))];

        public List<int> Started { get; } = [];

        public List<int> Finished { get; } = [];

        public PieceRef Piece(int frame) => new(frame + 100, frame * 8L, 2, 8);

        public void Hold(int frame) => _held[frame] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(int frame) => _held[frame].SetResult();

        public StripeLookahead Lookahead() => new(Stages, FrameAt, ReadAsync);

        private (RingPhase Phase, PieceRef Piece)? FrameAt(int frame) => frame < frames ? (RingPhase.AllGather, Piece(frame)) : null;

        private async ValueTask<Memory<byte>> ReadAsync(int stripe, RingPhase phase, PieceRef piece, Memory<byte> stage, CancellationToken ct)
        {
            var frame = piece.Index - 100;
            Assert.Equal(frame % Stripes, stripe);
            lock (Started)
            {
                Started.Add(frame);
            }

            if (_held.TryGetValue(frame, out var held))
            {
                await held.Task;
                ct.ThrowIfCancellationRequested();
            }

            stage.Span[..piece.Bytes].Clear();
            stage.Span[0] = (byte)frame;
            lock (Finished)
            {
                Finished.Add(frame);
            }

            return stage[..piece.Bytes];
        }
    }
}
