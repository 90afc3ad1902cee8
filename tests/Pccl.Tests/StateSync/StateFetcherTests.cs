using Pccl.Operations.StateSync;
using Pccl.Tests.StateSync.Support;

namespace Pccl.Tests.StateSync;

/// <summary>The receiver's fetcher against loopback donors: several connections per donor, dying and lying donors.</summary>
public class StateFetcherTests
{
    private const int BlockSize = 64 * 1024;

    // Ragged sizes: a short last block in each tensor and pieces of unequal length.
    private static readonly byte[][] Content = [Pattern(1_000_003, 1), Pattern(300_000, 2)];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A piece that nobody fetches again would make a transfer wait for ever: every run is bounded.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 3)]
    [InlineData(3, 2)]
    public async Task EveryBlockArrivesOnceOverEveryConnection(int donorCount, int streams)
    {
        await using var donors = new LoopbackDonors();
        var ids = Enumerable.Range(1, donorCount).Select(i => (ulong)i).ToArray();
        foreach (var id in ids)
        {
            donors.Add(id, Content, BlockSize);
        }

        var (fetcher, targets) = Fetcher(donors, ids, streams);
        await fetcher.RunAsync(Ct).WaitAsync(Timeout, Ct);

        Assert.All(Content.Zip(targets), p => Assert.Equal(p.First, p.Second));
        Assert.Equal(Content.Sum(c => (long)c.Length), fetcher.BytesReceived);
        Assert.Empty(fetcher.LostDonors);
        Assert.Equal(donorCount * streams, donors.ConnectsAsked);
    }

    [Fact]
    public async Task ADonorDyingOnOneOfItsConnectionsHandsEveryPieceOfItsOthersOn()
    {
        await using var donors = new LoopbackDonors();
        donors.Add(1, Content, BlockSize);
        var sent = 0;
        donors.Add(2, Content, BlockSize, hook: _ => Interlocked.Increment(ref sent) > 3 ? throw new IOException("donor 2 died") : ValueTask.CompletedTask);
        donors.Add(3, Content, BlockSize);

        var (fetcher, targets) = Fetcher(donors, [1, 2, 3], streams: 3);
        await fetcher.RunAsync(Ct).WaitAsync(Timeout, Ct);

        AssertArrivedOnce(Content, targets, fetcher, lost: 2);
    }

    [Fact]
    public async Task ADonorDyingWithSeveralRequestsOutstandingHandsAllOfThemOn()
    {
        // Many small tensors: each connection keeps requests ahead, so the donor dies owing more than one piece.
        var tensors = Enumerable.Range(0, 12).Select(i => Pattern(BlockSize + BlockSize / 2 + i, 100 + i)).ToArray();
        await using var donors = new LoopbackDonors();
        donors.Add(1, tensors, BlockSize);
        var sent = 0;
        donors.Add(2, tensors, BlockSize, hook: _ => Interlocked.Increment(ref sent) > 5 ? throw new IOException("donor 2 died") : ValueTask.CompletedTask);

        await FetchAllLosingDonorTwoAsync(tensors, donors.ConnectAsync);
    }

    [Fact]
    public async Task ARequestThatCannotBeWrittenIsFetchedFromAnotherDonor()
    {
        var tensors = Enumerable.Range(0, 12).Select(i => Pattern(BlockSize + i, 200 + i)).ToArray();
        await using var donors = new LoopbackDonors();
        donors.Add(1, tensors, BlockSize);
        donors.Add(2, tensors, BlockSize);

        await FetchAllLosingDonorTwoAsync(tensors, async (donor, ct) =>
        {
            var stream = await donors.ConnectAsync(donor, ct);
            return donor == 2 ? new FailingWrites(stream, failingWrite: 4) : stream;
        });
    }

    /// <summary>Fetches <paramref name="tensors"/> from donors 1 and 2, one connection each: every byte arrives once and only donor 2 is lost.</summary>
    private static async Task FetchAllLosingDonorTwoAsync(byte[][] tensors, Func<ulong, CancellationToken, Task<Stream>> connect)
    {
        var targets = tensors.Select(c => Enumerable.Repeat((byte)0xA5, c.Length).ToArray()).ToArray();
        var fetch = tensors.Select((c, i) => new FetchTensor((uint)i, $"t{i}", targets[i], TensorHasher.Hash(c, BlockSize), [1, 2])).ToArray();
        var fetcher = new StateFetcher(fetch, connect, LoopbackDonors.Sequence, BlockSize, streamsPerDonor: 1);
        await fetcher.RunAsync(Ct).WaitAsync(Timeout, Ct);

        AssertArrivedOnce(tensors, targets, fetcher, lost: 2);
    }

    [Fact]
    public async Task ADamagedBlockDropsItsDonorAndIsFetchedFromAnother()
    {
        await using var donors = new LoopbackDonors();
        var damaged = Content.Select(c => (byte[])c.Clone()).ToArray();
        damaged[0][5 * BlockSize + 17] ^= 0xFF; // the donor claims the true hash of block 5 but sends other bytes
        donors.Add(1, damaged, BlockSize, claimed: Content);
        donors.Add(2, Content, BlockSize);

        var (fetcher, targets) = Fetcher(donors, [1, 2], streams: 2);
        await fetcher.RunAsync(Ct).WaitAsync(Timeout, Ct);

        AssertArrivedOnce(Content, targets, fetcher, lost: 1);
    }

    [Fact]
    public async Task LosingEveryDonorFailsAsATransientPeerLost()
    {
        await using var donors = new LoopbackDonors();
        donors.Add(1, Content, BlockSize, hook: _ => throw new IOException("donor 1 died"));
        var sent = 0;
        donors.Add(2, Content, BlockSize, hook: _ => Interlocked.Increment(ref sent) > 2 ? throw new IOException("donor 2 died") : ValueTask.CompletedTask);

        var (fetcher, _) = Fetcher(donors, [1, 2], streams: 2);
        var e = await Assert.ThrowsAsync<PcclException>(() => fetcher.RunAsync(Ct).WaitAsync(Timeout, Ct));

        Assert.Equal(PcclErrorCode.PeerLost, e.Code);
        Assert.True(e.IsTransient);
        Assert.Equal(new ulong[] { 1, 2 }, fetcher.LostDonors);
    }

    /// <summary>Every tensor arrived intact, every byte counted once (none fetched twice), and only <paramref name="lost"/> was dropped.</summary>
    private static void AssertArrivedOnce(byte[][] expected, byte[][] targets, StateFetcher fetcher, ulong lost)
    {
        Assert.All(expected.Zip(targets), p => Assert.Equal(p.First, p.Second));
        Assert.Equal(expected.Sum(c => (long)c.Length), fetcher.BytesReceived);
        Assert.Equal(new[] { lost }, fetcher.LostDonors);
    }

    private static (StateFetcher Fetcher, byte[][] Targets) Fetcher(LoopbackDonors donors, ulong[] ids, int streams)
    {
        var targets = Content.Select(c => Enumerable.Repeat((byte)0xA5, c.Length).ToArray()).ToArray();
        var tensors = Content.Select((c, i) => new FetchTensor((uint)i, $"t{i}", targets[i], TensorHasher.Hash(c, BlockSize), ids)).ToArray();
        return (new StateFetcher(tensors, donors.ConnectAsync, LoopbackDonors.Sequence, BlockSize, streams), targets);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A connection whose <paramref name="failingWrite"/>-th write fails, as one to a donor that has just died.</summary>
    private sealed class FailingWrites(Stream inner, int failingWrite) : Stream
    {
        private int _writes;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) =>
            ++_writes == failingWrite ? ValueTask.FromException(new IOException("connection reset by peer")) : inner.WriteAsync(buffer, ct);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
