using Pccl.Tests.Support;
using System.Diagnostics;

namespace Pccl.Tests.Heartbeats;

/// <summary>A real master and communicators in one process, talking over loopback TCP and UDP.</summary>
[Collection(LatencyPinningCollection.Name)]
public class HeartbeatClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static async Task<MasterNode> StartMasterAsync(TimeSpan timeout, CancellationToken ct) =>
        await MasterNode.StartAsync(MasterOptions.Default with
        {
            Port = 0,
            BindAddress = "127.0.0.1",
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatTimeout = timeout,
        }, ct: ct);

    private static CommunicatorOptions PeerOptions(MasterNode master, TimeSpan timeout) => CommunicatorOptions.Default with
    {
        MasterHost = "127.0.0.1",
        MasterPort = master.Port,
        P2PBindAddress = "127.0.0.1",
        P2PPorts = new PortRange(26000, 26200),
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatTimeout = timeout,
        MasterReconnectTimeout = TimeSpan.Zero, // a lost master stays lost: later calls must fail too
    };

    private static Task<List<Communicator>> ConnectWorldAsync(CommunicatorOptions options, int size, CancellationToken ct) =>
        Admission.ConnectWorldAsync(options, size, ct);

    private static async Task DisposeAllAsync(IEnumerable<Communicator> peers)
    {
        foreach (var p in peers)
        {
            await p.DisposeAsync();
        }
    }

    [Fact]
    public async Task APeerWhoseHeartbeatsStopIsRemovedWhileItsTcpStaysOpen()
    {
        var ct = TestContext.Current.CancellationToken;
        var timeout = TimeSpan.FromMilliseconds(500);
        await using var master = await StartMasterAsync(timeout, ct);
        var peers = await ConnectWorldAsync(PeerOptions(master, TimeSpan.FromSeconds(5)), 3, ct);
        try
        {
            Assert.All(peers, p => Assert.Equal(3, p.GlobalWorldSize));
            var hung = peers[2];
            var clock = Stopwatch.StartNew();
            hung.Diagnostics.PauseHeartbeats();
            while (peers[0].GlobalWorldSize != 2 || peers[1].GlobalWorldSize != 2)
            {
                Assert.True(clock.Elapsed < timeout + Patience, "the silent peer was never removed");
                await Task.Delay(10, ct);
            }

            // Not before its silence reached the timeout (less the interval in which its last ping may have gone out).
            Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(150), $"removed after only {clock.Elapsed}");

            // The paused peer still reads its TCP connection, so it hears why it was removed.
            var kicked = await Assert.ThrowsAsync<PcclException>(async () =>
            {
                while (true)
                {
                    await hung.ArePeersPendingAsync(ct).WaitAsync(Patience, ct);
                    await Task.Delay(10, ct);
                }
            });
            Assert.Equal(PcclErrorCode.Kicked, kicked.Code);
            Assert.Contains("heartbeat", kicked.Message, StringComparison.OrdinalIgnoreCase);

            // The survivors carry on in the smaller world.
            var answers = await Task.WhenAll(peers.Take(2).Select(p => p.ArePeersPendingAsync(ct)));
            Assert.All(answers, Assert.False);
        }
        finally
        {
            await DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task AMasterThatStopsAnsweringFailsPendingCallsWithMasterLost()
    {
        var ct = TestContext.Current.CancellationToken;
        var timeout = TimeSpan.FromMilliseconds(600);
        await using var master = await StartMasterAsync(Patience, ct);
        var peers = await ConnectWorldAsync(PeerOptions(master, timeout), 2, ct);
        try
        {
            // A vote the other peer never joins: it waits on the master until the heartbeats say the master is gone.
            var pending = peers[0].UpdateTopologyAsync(ct);
            await Task.Delay(50, ct);
            Assert.False(pending.IsCompleted);
            var clock = Stopwatch.StartNew();
            master.Diagnostics.Hang();

            var lost = await Assert.ThrowsAsync<PcclException>(() => pending.WaitAsync(Patience, ct));
            Assert.Equal(PcclErrorCode.MasterLost, lost.Code);
            Assert.True(lost.IsTransient);
            Assert.Contains("no heartbeat answer", lost.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(150), $"declared lost after only {clock.Elapsed}");

            // The other peer's heartbeats stopped being answered at the same moment; once its own timeout passed it refuses calls too.
            await Task.Delay(timeout * 2, ct);
            var also = await Assert.ThrowsAsync<PcclException>(() => peers[1].ArePeersPendingAsync(ct).WaitAsync(Patience, ct));
            Assert.Equal(PcclErrorCode.MasterLost, also.Code);
        }
        finally
        {
            await DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task RoundTripTimeIsMeasured()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(Patience, ct);
        var peer = await Communicator.ConnectAsync(PeerOptions(master, Patience), ct: ct);
        try
        {
            var clock = Stopwatch.StartNew();
            while (peer.HeartbeatRtt is null)
            {
                Assert.True(clock.Elapsed < Patience, "no heartbeat was ever answered");
                await Task.Delay(20, ct);
            }

            Assert.NotNull(peer.LastHeartbeatRtt);
            Assert.InRange(peer.HeartbeatRtt.Value, TimeSpan.Zero, Patience);
        }
        finally
        {
            await peer.DisposeAsync();
        }
    }
}
