using Pccl.Operations.Collectives;
using Pccl.Telemetry;
using Pccl.Tests.Support;
using Pccl.Transport;

namespace Pccl.Tests.Collectives;

/// <summary>
/// The advice a finished flat ring gives: pieces cut at <c>performance.ring_chunk_size</c> that each take less than a
/// round trip of the link, and a long ring of unlabelled peers whose hops' round trips make up most of the time.
/// </summary>
public sealed class RingHintsTests
{
    private const int Floats64MiB = 16 * 1024 * 1024;
    private const int ChunkBytes = 64 * 1024;

    private static readonly TcpPath Wan = new(TimeSpan.FromMilliseconds(20), 4 << 20, Loopback: false);
    private static readonly TcpPath Lan = new(TimeSpan.FromMilliseconds(0.2), 4 << 20, Loopback: false);
    private static readonly TcpPath SameHost = new(TimeSpan.FromMilliseconds(20), 4 << 20, Loopback: true);

    [Fact]
    public void Pieces_cut_at_the_chunk_size_that_take_less_than_a_round_trip_are_too_small()
    {
        // 64 MiB over 2 peers in 64 KiB pieces: 1024 pieces received, about 1 ms each against a 20 ms round trip
        var layout = new RingLayout(Floats64MiB, sizeof(float), 2, ChunkBytes);
        Assert.True(layout.LimitedByChunkSize);
        Assert.Equal(ChunkBytes, layout.PieceBytes);

        Assert.True(RingHints.PiecesTooSmall(layout, TimeSpan.FromSeconds(1), Wan));
        Assert.False(RingHints.PiecesTooSmall(layout, TimeSpan.FromSeconds(1), Lan));
        Assert.False(RingHints.PiecesTooSmall(layout, TimeSpan.FromSeconds(30), Wan)); // 29 ms a piece: longer than the round trip
        Assert.False(RingHints.PiecesTooSmall(layout, TimeSpan.FromSeconds(1), SameHost));
        Assert.False(RingHints.PiecesTooSmall(layout, TimeSpan.FromSeconds(1), Wan with { RoundTrip = null }));
    }

    [Fact]
    public void A_round_trip_grown_by_queueing_is_not_distance()
    {
        // a busy link: the smoothed round trip is 20 ms of queue, the path itself 0.2 ms; larger pieces would not help
        var layout = new RingLayout(Floats64MiB, sizeof(float), 16, ChunkBytes);
        var queued = Wan with { MinRoundTrip = TimeSpan.FromMilliseconds(0.2) };

        Assert.False(RingHints.PiecesTooSmall(layout, TimeSpan.FromSeconds(1), queued));
        Assert.False(RingHints.RingTooLong(16, "", TimeSpan.FromMilliseconds(400), queued));
        Assert.True(RingHints.PiecesTooSmall(layout, TimeSpan.FromSeconds(1), Wan with { MinRoundTrip = TimeSpan.FromMilliseconds(19) }));
    }

    [Fact]
    public void Pieces_the_slices_made_small_are_not_the_chunk_sizes_fault()
    {
        // 1 MiB over 2 peers: each slice is one 512 KiB piece whatever the chunk size, so raising it changes nothing
        var layout = new RingLayout(256 * 1024, sizeof(float), 2, 4 * 1024 * 1024);
        Assert.False(layout.LimitedByChunkSize);

        Assert.False(RingHints.PiecesTooSmall(layout, TimeSpan.FromMilliseconds(10), Wan));
    }

    [Fact]
    public void A_long_unlabelled_ring_whose_hops_take_most_of_the_time_should_use_regions()
    {
        // 16 peers, 20 ms round trips: at least 15 x 20 = 300 ms in hops
        Assert.True(RingHints.RingTooLong(16, "", TimeSpan.FromMilliseconds(400), Wan));
        Assert.False(RingHints.RingTooLong(16, "", TimeSpan.FromMilliseconds(1000), Wan)); // hops are 30 % of the time
        Assert.False(RingHints.RingTooLong(16, "eu", TimeSpan.FromMilliseconds(400), Wan));
        Assert.False(RingHints.RingTooLong(RingHints.MinPeersForRegions - 1, "", TimeSpan.FromMilliseconds(100), Wan));
        Assert.False(RingHints.RingTooLong(16, "", TimeSpan.FromMilliseconds(400), SameHost));
    }

    [Fact]
    public void Each_hint_is_logged_once_per_communicator_with_the_setting_to_change()
    {
        var log = new CapturedLog();
        var hints = new RingHints(log);
        var layout = new RingLayout(Floats64MiB, sizeof(float), 16, ChunkBytes);

        for (var op = 0; op < 3; op++)
        {
            hints.AfterRing(layout, ChunkBytes, "", TimeSpan.FromMilliseconds(400), Wan);
        }

        var pieces = Assert.Single(log.Entries, e => e.Id.Id == LogEvents.Ids.SmallPieces);
        Assert.Contains("raise performance.ring_chunk_size (now 65536 bytes)", pieces.Message);
        Assert.Contains("all-reduce pieces of 65536 bytes", pieces.Message);
        var regions = Assert.Single(log.Entries, e => e.Id.Id == LogEvents.Ids.FlatRingSlow);
        Assert.Contains("a flat ring of 16 peers without network.region spent 75% of an all-reduce's 400 ms in 30 hops of 20 ms round trip", regions.Message);
        Assert.Contains("label the peers with network.region", regions.Message);
        Assert.Equal(2, log.Entries.Count);
    }
}
