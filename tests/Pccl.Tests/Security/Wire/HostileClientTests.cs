using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pccl.Master.Core;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Tests.Security.Support;
using Pccl.Tests.Support;
using Pccl.Transport;

namespace Pccl.Tests.Security.Wire;

/// <summary>
/// Clients that follow the protocol just far enough to hold something of the master's: a registration they never use, a
/// connection they never register, handshake slots, log lines. Real TCP on loopback; hostile sources other than the
/// real workers' bind 127.0.0.2.
/// </summary>
public sealed class HostileClientTests
{
    private static readonly IPAddress OtherSource = IPAddress.Parse("127.0.0.2");

    private static Task<MasterNode> StartMasterAsync(CancellationToken ct, Func<MasterOptions, MasterOptions>? configure = null, CapturedLog? log = null) =>
        MasterNode.StartAsync((configure ?? (o => o))(MasterOptions.Default with
        {
            Port = 0,
            BindAddress = "127.0.0.1",
            HeartbeatTimeout = TimeSpan.FromSeconds(2),
        }), log, ct);

    [Fact]
    public async Task AJoinerThatRegistersHeartbeatsAndNeverAnswersTheTopologyUpdate_IsRemovedAtTheDeadline_AndTheWorkersGoOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var deadline = TimeSpan.FromSeconds(1.5);
        await using var master = await StartMasterAsync(ct, o => o with { TopologyTimeout = deadline });
        var peers = await SecureRun.ConnectWorldAsync(SecureRun.Peer(master, null, null), 2, ct);
        try
        {
            await using var silent = await RawControlClient.ConnectAsync(master.Port, ct);
            await silent.RegisterAndHeartbeatAsync(master.Port, ct);
            var kick = silent.WaitForKickAsync(ct);

            var clock = Stopwatch.StartNew();
            await Task.WhenAll(peers.Select(p => VoteUntilAcceptedAsync(p, ct))).WaitAsync(SecureRun.Patience, ct);
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
            clock.Stop();

            // The deadline plus a tick and a few round trips; the slack is for a loaded test machine.
            Assert.True(clock.Elapsed < deadline + TimeSpan.FromSeconds(8), $"the workers needed {clock.Elapsed.TotalSeconds:0.0} s with a {deadline.TotalSeconds} s deadline");
            var kicked = await kick.WaitAsync(TimeSpan.FromSeconds(5), ct);
            Assert.NotNull(kicked);
            Assert.Equal(KickReason.DeadlineMissed, kicked.Reason);
            Assert.Contains("within 1500 ms", kicked.Message, StringComparison.Ordinal);
            Assert.Contains("fault_tolerance.topology_timeout_ms", kicked.Message, StringComparison.Ordinal);
            Assert.All(peers, p => Assert.Equal(2, p.GlobalWorldSize));
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task ConnectionsThatNeverRegister_DoNotCountTowardMaxPeers_AndAreClosedAtTheRegistrationDeadline()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new CapturedLog();
        await using var master = await StartMasterAsync(ct, o => o with
        {
            RegistrationTimeout = TimeSpan.FromSeconds(3),
            Auth = new AuthOptions { MaxPeers = 2 },
        }, log);
        await using var idle1 = await RawControlClient.ConnectAsync(master.Port, ct);
        await using var idle2 = await RawControlClient.ConnectAsync(master.Port, ct);
        var clock = Stopwatch.StartNew();

        var peers = await SecureRun.ConnectWorldAsync(SecureRun.Peer(master, null, null), 2, ct);
        try
        {
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
            var refused = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(SecureRun.Peer(master, null, null), ct: ct));
            Assert.Contains("cluster full: 2 of 2 peers are connected (auth.max_peers)", refused.Message, StringComparison.Ordinal);

            foreach (var idle in new[] { idle1, idle2 })
            {
                var kick = await idle.WaitForKickAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
                Assert.NotNull(kick);
                Assert.Equal(KickReason.DeadlineMissed, kick.Reason);
                Assert.Contains("did not register within 3000 ms", kick.Message, StringComparison.Ordinal);
                Assert.Contains("fault_tolerance.registration_timeout_ms", kick.Message, StringComparison.Ordinal);
            }

            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.8), $"an idle connection was closed after {clock.Elapsed.TotalSeconds:0.0} s, before its deadline");
            Assert.Equal(2, log.Lines.Count(l => l.Contains("closed a connection from 127.0.0.1 that had not registered: DeadlineMissed", StringComparison.Ordinal)));
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task AHugeClusterIdWithNewlines_GrowsTheLogByABoundedAmount_AndForgesNoLine()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new CapturedLog();
        await using var master = await StartMasterAsync(ct, log: log);
        var before = log.Size;
        var forged = string.Concat(Enumerable.Repeat("x\nError: FORGED peer 1 kicked\r\n", 2000)); // 64,000 characters
        var hello = new Hello { Kind = ConnectionKind.Control, ClusterId = forged };

        for (var i = 0; i < 100; i++)
        {
            var refused = await Assert.ThrowsAsync<PcclException>(() =>
                Handshake.ConnectAsync("127.0.0.1", master.Port, hello, ConnectionSecurity.None, TimeSpan.FromSeconds(10), ct));
            Assert.Contains("(wrong cluster)", refused.Message, StringComparison.Ordinal);
        }

        var grown = log.Size - before;
        Assert.True(grown < 32 * 1024, $"100 refusals grew the log by {grown} characters");
        Assert.DoesNotContain(log.Lines, l => l.Contains('\n', StringComparison.Ordinal) || l.Contains('\r', StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("cluster id 'x\\u000AError: FORGED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAddressOutsideTheAllowList_IsRefusedBeforeItsHelloIsRead_SoNothingItSentIsLogged()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new CapturedLog();
        await using var master = await StartMasterAsync(ct, o => o with { Auth = new AuthOptions { AllowedNetworks = [IPNetwork.Parse("127.0.0.1/32")] } }, log);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(OtherSource, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, master.Port), ct);
        await using var stream = new NetworkStream(socket);
        var opening = new byte[Preamble.Size];
        Preamble.Write(opening);
        await stream.WriteAsync(opening, ct);
        await stream.WriteAsync(ControlCodec.EncodeFrame(new Hello { Kind = ConnectionKind.Control, ClusterId = "EVIL\nError: FORGED" }), ct);

        var reply = ControlCodec.Decode(HelloReply.Parser, (await ExactFrameIo.ReadFrameAsync(stream, ct)).AsSpan(FrameParser.HeaderSize));

        Assert.False(reply.Accepted);
        Assert.Equal(RefusalReason.NotAllowed, reply.Reason);
        Assert.Contains(log.Lines, l => l.Contains("address 127.0.0.2 is outside the allowed networks", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("EVIL", StringComparison.Ordinal) || l.Contains("FORGED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASourceHoldingTheMostUnregisteredConnections_IsRefusedMore_WithTheReason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);
        var idle = new List<RawControlClient>();
        try
        {
            for (var i = 0; i < MasterLimits.Default.MaxUnregisteredPerSource; i++)
            {
                idle.Add(await RawControlClient.ConnectAsync(master.Port, ct));
            }

            // A handshake's reply reaches the client before the master's loop counts the connection, and two
            // connections' counts can land in either order: the 17th must be the last one counted to be the one refused.
            var patience = Stopwatch.StartNew();
            while (master.Diagnostics.Unregistered < idle.Count)
            {
                Assert.True(patience.Elapsed < SecureRun.Patience, $"the master counted {master.Diagnostics.Unregistered} of {idle.Count} idle connections");
                await Task.Delay(10, ct);
            }

            await using var extra = await RawControlClient.ConnectAsync(master.Port, ct);
            var kick = await extra.WaitForKickAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);

            Assert.NotNull(kick);
            Assert.Equal(KickReason.LimitExceeded, kick.Reason);
            Assert.Contains("127.0.0.1 already holds 16 connections that have not registered", kick.Message, StringComparison.Ordinal);
            Assert.Equal(1, master.Diagnostics.RefusedUnregistered); // counted before the kick was sent
        }
        finally
        {
            foreach (var client in idle)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task APeersP2PPort_HoldsAtMost32HandshakesFromOneSource()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);
        await using var worker = await Communicator.ConnectAsync(SecureRun.Peer(master, null, null) with { ConnectTimeout = TimeSpan.FromSeconds(20) }, ct: ct);
        var idle = new List<Socket>();
        try
        {
            await OpenIdleAsync(idle, worker.P2PPort, 2 * HandshakeGate.DefaultLimit, ct);

            const int expected = (2 * HandshakeGate.DefaultLimit) - P2PListener.PerSourceHandshakes;
            var patience = Stopwatch.StartNew();
            while (worker.Diagnostics.DroppedP2PHandshakes < expected)
            {
                Assert.True(patience.Elapsed < SecureRun.Patience, $"only {worker.Diagnostics.DroppedP2PHandshakes} of the idle connections were dropped, not {expected}");
                await Task.Delay(10, ct);
            }

            await Task.Delay(200, ct);
            Assert.Equal(expected, worker.Diagnostics.DroppedP2PHandshakes);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ThePerSourceHandshakeLimit_IsWhatAuthMaxHandshakesPerSourceSays()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct, o => o with
        {
            HandshakeTimeout = TimeSpan.FromSeconds(20),
            Auth = new AuthOptions { MaxHandshakesPerSource = 4 },
        });
        var idle = new List<Socket>();
        try
        {
            await OpenIdleAsync(idle, master.Port, 10, ct);

            var patience = Stopwatch.StartNew();
            while (master.Diagnostics.DroppedHandshakes < 6)
            {
                Assert.True(patience.Elapsed < SecureRun.Patience, $"only {master.Diagnostics.DroppedHandshakes} of 10 idle connections were dropped");
                await Task.Delay(10, ct);
            }

            await Task.Delay(200, ct);
            Assert.Equal(6, master.Diagnostics.DroppedHandshakes);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task OneSourceHoldingEveryHandshakeSlotItCan_DoesNotKeepARealWorkerOut()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct, o => o with { HandshakeTimeout = TimeSpan.FromSeconds(20) });
        var idle = new List<Socket>();
        try
        {
            await OpenIdleAsync(idle, master.Port, 2 * HandshakeGate.DefaultLimit, ct);

            // One source holds its 16 slots; every other connection is dropped, not only those past the global 64.
            const int expected = (2 * HandshakeGate.DefaultLimit) - HandshakeGate.DefaultPerSourceLimit;
            var patience = Stopwatch.StartNew();
            while (master.Diagnostics.DroppedHandshakes < expected)
            {
                Assert.True(patience.Elapsed < SecureRun.Patience,
                    $"only {master.Diagnostics.DroppedHandshakes} of the idle connections were dropped, not {expected}: is the per-source limit gone?");
                await Task.Delay(10, ct);
            }

            await Task.Delay(200, ct);
            Assert.Equal(expected, master.Diagnostics.DroppedHandshakes);

            await using var worker = await Communicator.ConnectAsync(SecureRun.Peer(master, null, null), ct: ct);
            Assert.Equal(1, worker.GlobalWorldSize);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Opens <paramref name="count"/> connections from <see cref="OtherSource"/> that then say nothing.</summary>
    private static async Task OpenIdleAsync(List<Socket> idle, int port, int count, CancellationToken ct)
    {
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            idle.Add(socket);
            socket.Bind(new IPEndPoint(OtherSource, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        }
    }

    private static async Task VoteUntilAcceptedAsync(Communicator peer, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await peer.UpdateTopologyAsync(ct);
                return;
            }
            catch (PcclException e) when (e.Code == PcclErrorCode.TopologyFailed)
            {
                // the silent joiner's round failed; vote again without it
            }
        }
    }
}
