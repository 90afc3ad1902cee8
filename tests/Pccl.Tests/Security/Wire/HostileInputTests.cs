using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Messages;
using Pccl.Tests.Security.Support;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Wire;

/// <summary>Garbage, absurd lengths, half-open connections and floods on the master's and a peer's ports.</summary>
public sealed class HostileInputTests
{
    private const string Secret = "hostile input secret";

    private static async Task<(MasterNode Master, CommunicatorOptions Options)> StartAsync(CancellationToken ct)
    {
        var master = await SecureRun.StartMasterAsync(null, SecureRun.Auth(Secret), ct, handshakeTimeout: TimeSpan.FromSeconds(1));
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
            var atPeer = new Fuzzer(peers[0].P2PPort, authenticated: null, seed: 7);
            await Task.WhenAll(
                atMaster.RunAsync(2000, parallel: 8, ConnectionKind.Control, ct),
                atPeer.RunAsync(2000, parallel: 8, ConnectionKind.Ring, ct)).WaitAsync(TimeSpan.FromMinutes(3), ct);

            Assert.Equal(2000, atMaster.Attempts);
            Assert.Equal(2000, atPeer.Attempts);
            await run.WaitForMoreAsync(3, ct);
            Assert.All(peers, p => Assert.Equal(2, p.GlobalWorldSize));
        }
        finally
        {
            await run.StopAsync();
        }

        try
        {
            // The run still takes newcomers and computes with them.
            peers.Add(await SecureRun.JoinAsync(peers, options, ct));
            await SecureRun.AllReduceOnceAsync(peers, 10_000, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
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
            while (master.ServerForTest.DroppedHandshakesForTest == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "more than 64 pending handshakes were accepted");
                await Task.Delay(10, ct);
            }

            // The master closes half-open connections after its handshake timeout (1 s here).
            var closed = await Task.WhenAll(idle.Take(150).Select(s => ClosedByServerAsync(s, ct)));
            Assert.All(closed, Assert.True);
        }
        finally
        {
            await run.StopAsync();
            idle.ForEach(s => s.Dispose());
        }

        try
        {
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
