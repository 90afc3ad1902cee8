namespace Pccl.Tests.Collectives;

public class InProcessRingTests
{
    [Fact]
    public async Task ThreePeersSumFloats()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var options = CommunicatorOptions.Default with { MasterHost = "127.0.0.1", MasterPort = master.Port, P2PBindAddress = "127.0.0.1", P2PPorts = new PortRange(24000, 24100) };
        var first = await Communicator.ConnectAsync(options, ct: ct);
        var joining = new[] { Communicator.ConnectAsync(options, ct: ct), Communicator.ConnectAsync(options, ct: ct) };
        await Task.Delay(200, ct);
        await first.UpdateTopologyAsync(ct);
        var peers = new[] { first, await joining[0], await joining[1] };
        Assert.All(peers, p => Assert.Equal(3, p.GlobalWorldSize));

        const int n = 1_000_003;
        var buffers = peers.Select((_, i) => Enumerable.Range(0, n).Select(x => (float)(i + 1)).ToArray()).ToArray();
        await Task.WhenAll(peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct)));
        foreach (var b in buffers)
        {
            Assert.All(b, v => Assert.Equal(6f, v));
        }

        foreach (var p in peers)
        {
            await p.DisposeAsync();
        }
    }
}
