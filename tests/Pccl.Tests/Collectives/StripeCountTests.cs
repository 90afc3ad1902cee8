using System.Net;
using System.Net.Sockets;
using Pccl.Operations.Collectives;
using Pccl.Transport;

namespace Pccl.Tests.Collectives;

/// <summary>How many connections a lane is striped over: fixed when configured, else the path's bandwidth-delay product (measured rate, least round trip) over the share of one stream's window each stripe is planned to carry.</summary>
public class StripeCountTests
{
    private const long FourMiB = 4 * 1024 * 1024;
    private const long OneGbit = 1_000_000_000;

    [Fact]
    public void AutomaticFillsTheBandwidthDelayProductWithWholeWindows()
    {
        var path = new TcpPath(TimeSpan.FromMilliseconds(100), FourMiB, Loopback: false);
        // 1 Gbit/s × 100 ms = 12.5 MB in flight; 4 MiB windows, 0.75 of each planned: 3.97 → 4 streams
        Assert.Equal(4, StripeCount.For(null, path, OneGbit));
        // 700 Mbit/s: 8.75 MB, 2.78 → 3
        Assert.Equal(3, StripeCount.For(null, path, 700_000_000));
        // one window at 1 ms carries 33 Gbit/s: one stream is enough
        Assert.Equal(1, StripeCount.For(null, path with { RoundTrip = TimeSpan.FromMilliseconds(1) }, OneGbit));
    }

    [Fact]
    public void AutomaticUsesTheMeasuredRateElseTheAssumedOne()
    {
        var path = new TcpPath(TimeSpan.FromMilliseconds(100), FourMiB, Loopback: false);
        // nothing measured: the first operation is striped for 1 Gbit/s, 12.5 MB in flight, 3.97 → 4 streams
        Assert.Equal(4, StripeCount.For(null, path, measuredBitsPerSecond: null));
        // 200 Mbit/s measured: 2.5 MB in flight, within 0.75 of one window
        Assert.Equal(1, StripeCount.For(null, path, 200_000_000));
        // 1.2 Gbit/s: 15 MB over 3.15 MB planned per stream, 4.77 streams
        Assert.Equal(5, StripeCount.For(null, path, 1_200_000_000));
        // 2.5 Gbit/s: 9.9 streams, capped
        Assert.Equal(8, StripeCount.For(null, path, 2_500_000_000));
    }

    [Fact]
    public void AutomaticCountsThePathsOwnDelayNotItsQueue()
    {
        // smoothed 300 ms, of which 200 ms were queueing behind other traffic: the path holds 1 Gbit/s × 100 ms
        var path = new TcpPath(TimeSpan.FromMilliseconds(300), FourMiB, Loopback: false, MinRoundTrip: TimeSpan.FromMilliseconds(100));
        Assert.Equal(4, StripeCount.For(null, path, OneGbit));
        Assert.Equal(8, StripeCount.For(null, path with { MinRoundTrip = null }, OneGbit));
    }

    [Fact]
    public void AutomaticStaysWithinTheCap()
    {
        var path = new TcpPath(TimeSpan.FromMilliseconds(300), FourMiB, Loopback: false);
        Assert.Equal(8, StripeCount.For(null, path));
        Assert.Equal(8, StripeCount.For(null, path, 10_000_000_000));
        Assert.Equal(8, StripeCount.ToOpen(null, path));
    }

    [Fact]
    public void AutomaticIsOneOnThisHostOrWithoutAMeasurement()
    {
        var slow = new TcpPath(TimeSpan.FromMilliseconds(100), FourMiB, Loopback: true);
        Assert.Equal(1, StripeCount.For(null, slow));
        Assert.Equal(1, StripeCount.For(null, slow with { Loopback = false, RoundTrip = null }));
        Assert.Equal(1, StripeCount.For(null, slow with { Loopback = false, Window = 0 }));
    }

    [Fact]
    public void AnAutomaticLaneOpensTheCapAndAnOperationUsesWhatTheMeasuredRateAsksFor()
    {
        var path = Support.LongPath.Path;
        var open = StripeCount.ToOpen(null, path);
        Assert.Equal(8, open);
        // unmeasured: what 1 Gbit/s asks for; measured: the count the rate asks for, up to the cap, without another connection
        Assert.Equal(4, StripeCount.InUse(null, open, path, null));
        Assert.Equal(4, StripeCount.InUse(null, open, path, 930_000_000));
        Assert.Equal(3, StripeCount.InUse(null, open, path, 700_000_000));
        Assert.Equal(1, StripeCount.InUse(null, open, path, 100_000_000));
        Assert.Equal(8, StripeCount.InUse(null, open, path, 2_500_000_000));
        // never more than the lane has open
        Assert.Equal(2, StripeCount.InUse(null, 2, path, 930_000_000));
        // on this host one connection opens and is used
        Assert.Equal(1, StripeCount.ToOpen(null, path with { Loopback = true }));
        Assert.Equal(1, StripeCount.InUse(null, 1, path with { Loopback = true }, 930_000_000));
    }

    [Fact]
    public void AConfiguredLaneUsesEveryConnectionItOpened()
    {
        var path = new TcpPath(TimeSpan.FromMilliseconds(100), FourMiB, Loopback: false);
        Assert.Equal(2, StripeCount.ToOpen(2, path));
        Assert.Equal(2, StripeCount.InUse(2, 2, path, 10_000_000));
        Assert.Equal(6, StripeCount.InUse(6, 6, path, 10_000_000_000));
    }

    [Fact]
    public void AConfiguredCountIsTakenAsItIs()
    {
        var path = new TcpPath(TimeSpan.FromMilliseconds(100), FourMiB, Loopback: true);
        Assert.Equal(4, StripeCount.For(4, path));
        Assert.Equal(1, StripeCount.For(1, path with { Loopback = false }, OneGbit));
    }

    [Fact]
    public async Task TheKernelReportsALoopbackConnectionsRoundTripsAndWindow()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        // dual mode, as every PCCL connection: the neighbour's address reads as an IPv4-mapped IPv6 one
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        SocketTuning.Apply(client);
        await client.ConnectAsync(listener.LocalEndPoint!, ct);
        using var accepted = await listener.AcceptAsync(ct);

        var path = TcpPath.Of(client, (IPEndPoint)client.RemoteEndPoint!);

        Assert.True(path.Loopback);
        Assert.NotNull(path.RoundTrip);
        Assert.InRange(path.RoundTrip!.Value, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
        Assert.NotNull(path.MinRoundTrip);
        // the least sample cannot exceed the smoothed round trip by more than the kernel's rounding of the average
        Assert.InRange(path.MinRoundTrip!.Value, TimeSpan.FromTicks(1), path.RoundTrip.Value + TimeSpan.FromMilliseconds(1));
        Assert.InRange(path.Window, 64 * 1024, 64L * 1024 * 1024);
    }
}
