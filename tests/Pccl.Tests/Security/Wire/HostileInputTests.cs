using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Messages;
using Pccl.Tests.Security.Support;
using Pccl.Transport;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Wire;

/// <summary>Garbage, absurd lengths, half-open connections and floods on the master's and a peer's ports.</summary>
public sealed class HostileInputTests
{
    private const string Secret = "hostile input secret";
    private const int FloodSize = 150;
    private static readonly TimeSpan MasterHandshakeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Timers run on a coarse clock and may fire a few milliseconds before their due time.</summary>
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(20);

    /// <summary>How late after its handshake timeout a listener may close a connection on this loaded machine.</summary>
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(2);

    private static async Task<(MasterNode Master, CommunicatorOptions Options)> StartAsync(CancellationToken ct)
    {
        var master = await SecureRun.StartMasterAsync(null, SecureRun.Auth(Secret), ct, handshakeTimeout: MasterHandshakeTimeout);
        return (master, SecureRun.Peer(master, null, SecureRun.Auth(Secret)) with { ConnectTimeout = TimeSpan.FromSeconds(2) });
    }

    [Fact]
    public async Task ThousandsOfRandomAndMutatedFrames_AtTheMasterAndAPeer_CrashNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (master, options) = await StartAsync(ct);
        await using var _ = master;
        var peers = await SecureRun.ConnectWorldAsync(options, 2, ct);
        var run = new AllReduceLoop(peers);
        try
        {
            await run.WaitForMoreAsync(1, ct);
            using var key = new ClusterSecurity(TlsOptions.Disabled, SecureRun.Auth(Secret));
            var atMaster = new Fuzzer(master.Port, key, seed: 6);
            var atPeer = new Fuzzer(peers[0].P2PPort, key, seed: 7, new Fuzzer.Member(peers[1].PeerId, peers[1].Diagnostics.Identity, peers[0].PeerId));
            await Task.WhenAll(
                atMaster.RunAsync(2000, parallel: 8, [ConnectionKind.Control], ct),
                atPeer.RunAsync(2000, parallel: 8, [ConnectionKind.Ring, ConnectionKind.State], ct)).WaitAsync(TimeSpan.FromMinutes(3), ct);

            foreach (var fuzzer in new[] { atMaster, atPeer })
            {
                Assert.Equal(2000, fuzzer.Attempts);
                Assert.Equal(400, fuzzer.AuthenticatedAttempts);
                Assert.Empty(fuzzer.AuthenticationFailures);
                Assert.Equal(400, fuzzer.AuthenticatedSessions);
                Assert.True(fuzzer.PostAuthFrames >= fuzzer.AuthenticatedSessions, $"{fuzzer.PostAuthFrames} hostile frames in {fuzzer.AuthenticatedSessions} sessions");
            }

            await run.WaitForMoreAsync(3, ct);
            Assert.All(peers, p => Assert.Equal(2, p.GlobalWorldSize));
        }
        finally
        {
            await run.StopAsync();
        }

        await TheRunStillWorksAsync(peers, options, ct);
    }

    [Fact]
    public async Task AFloodOfHalfOpenConnections_IsCappedAndTimedOut_AndTheRunContinues()
    {
        var ct = TestContext.Current.CancellationToken;
        var (master, options) = await StartAsync(ct);
        await using var _ = master;
        var peers = await SecureRun.ConnectWorldAsync(options, 2, ct);
        var run = new AllReduceLoop(peers);
        var idle = new List<Socket>();
        try
        {
            await run.WaitForMoreAsync(1, ct);
            foreach (var port in new[] { master.Port, peers[0].P2PPort })
            {
                for (var i = 0; i < 150; i++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    idle.Add(socket);
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct); // and then say nothing
                }
            }

            await run.WaitForMoreAsync(3, ct);
            var deadline = DateTime.UtcNow + SecureRun.Patience;
            while (master.Diagnostics.DroppedHandshakes == 0 || peers[0].Diagnostics.DroppedP2PHandshakes == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "more than 64 pending handshakes were accepted");
                await Task.Delay(10, ct);
            }

            // Both close half-open connections after their handshake timeout (1 s for the master, 2 s for the peer here).
            var closed = await Task.WhenAll(idle.Select(s => ClosedByServerAsync(s, ct)));
            Assert.All(closed, Assert.True);
        }
        finally
        {
            await run.StopAsync();
            idle.ForEach(s => s.Dispose());
        }

        await TheRunStillWorksAsync(peers, options, ct);
    }

    [Fact]
    public Task AFloodOfHalfOpenHandshakes_OnTheMastersPort_IsCappedAndTimedOut_AndTheRunContinues() => FloodAsync(ConnectionKind.Control);

    [Fact]
    public Task AFloodOfHalfOpenRingHandshakes_OnAPeersP2PPort_IsCappedAndTimedOut_AndTheRunContinues() => FloodAsync(ConnectionKind.Ring);

    [Fact]
    public Task AFloodOfHalfOpenStateHandshakes_OnAPeersP2PPort_IsCappedAndTimedOut_AndTheRunContinues() => FloodAsync(ConnectionKind.State);

    /// <summary>
    /// More hellos of <paramref name="kind"/> than the handshake cap, each left hanging at the challenge, against the
    /// listener that serves that kind: the excess is closed unheard and counted, the rest are closed at the handshake
    /// timeout and not before, and the run goes on, then syncs shared state, takes a newcomer and computes with it.
    /// </summary>
    private static async Task FloodAsync(ConnectionKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        var (master, options) = await StartAsync(ct);
        await using var _ = master;
        var peers = await SecureRun.ConnectWorldAsync(options, 2, ct);
        // The flood comes from one source: at most that source's share of the listener is held.
        var (port, dropped, timeout, perSource) = kind == ConnectionKind.Control
            ? (master.Port, (Func<long>)(() => master.Diagnostics.DroppedHandshakes), MasterHandshakeTimeout, HandshakeGate.DefaultPerSourceLimit)
            : (peers[0].P2PPort, () => peers[0].Diagnostics.DroppedP2PHandshakes, options.ConnectTimeout, P2PListener.PerSourceHandshakes);
        var run = new AllReduceLoop(peers);
        try
        {
            await run.WaitForMoreAsync(1, ct);
            var droppedBefore = dropped();
            var flood = HalfHandshakeFlood.RunAsync(port, kind, FloodSize, ct);
            await run.WaitForMoreAsync(3, ct);
            var outcomes = await flood;

            Assert.All(outcomes, o => Assert.True(o.Closed, "a half-open handshake was never closed"));
            var held = outcomes.Where(o => o.Answered).ToList();
            var unheard = FloodSize - held.Count;
            Assert.InRange(held.Count, 1, perSource);
            Assert.InRange(unheard, FloodSize - perSource, FloodSize);
            Assert.True(dropped() - droppedBefore >= unheard, $"{unheard} connections closed unheard, {dropped() - droppedBefore} counted as dropped");
            Assert.All(held, o => Assert.InRange(o.OpenFor, timeout - TimerSlack, timeout + Lateness));
            await run.WaitForMoreAsync(1, ct);
        }
        finally
        {
            await run.StopAsync();
        }

        await TheRunStillWorksAsync(peers, options, ct);
    }

    /// <summary>The run still serves shared state, takes a newcomer and computes with it; disposes the peers.</summary>
    private static async Task TheRunStillWorksAsync(List<Communicator> peers, CommunicatorOptions options, CancellationToken ct)
    {
        try
        {
            await SecureRun.SyncSharedStateOnceAsync(peers, ct);
            peers.Add(await SecureRun.JoinAsync(peers, options, ct));
            await SecureRun.AllReduceOnceAsync(peers, 10_000, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    private static async Task<bool> ClosedByServerAsync(Socket socket, CancellationToken ct)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            return await socket.ReceiveAsync(new byte[64], SocketFlags.None, patience.Token) == 0;
        }
        catch (SocketException)
        {
            return true; // reset: closed as well
        }
    }
}
