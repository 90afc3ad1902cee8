using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pccl.Tests.Security.Support;
using Pccl.Transport.Heartbeats;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Wire;

/// <summary>
/// Heartbeats are signed UDP datagrams. An attacker on the path sees peer ids and session tokens (they are not
/// encrypted) but not the peer's session key: its forgeries and replays must neither keep a dead peer alive nor kill a
/// live one.
/// </summary>
public sealed class HeartbeatForgeryTests
{
    private const string Secret = "heartbeat test secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(600);

    private static Task<MasterNode> StartMasterAsync(CancellationToken ct) => MasterNode.StartAsync(MasterOptions.Default with
    {
        Port = 0,
        BindAddress = "127.0.0.1",
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatTimeout = Timeout,
        Auth = SecureRun.Auth(Secret),
    }, ct: ct);

    private static CommunicatorOptions PeerOptions(MasterNode master) =>
        SecureRun.Peer(master, null, SecureRun.Auth(Secret)) with { HeartbeatTimeout = TimeSpan.FromSeconds(5) };

    /// <summary>Sends pings for <paramref name="victim"/>'s session every 10 ms until cancelled; returns how many.</summary>
    private static async Task<int> SendPingsAsync(int masterPort, Communicator victim, Func<int, (ulong Sequence, IHeartbeatMac Mac)> next, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, masterPort);
        var buffer = new byte[HeartbeatDatagram.Size];
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var (sequence, mac) = next(sent);
            var ping = new HeartbeatDatagram(HeartbeatKind.Ping, victim.PeerId, victim.Diagnostics.HeartbeatToken!.Value, sequence, Stopwatch.GetTimestamp());
            await socket.SendToAsync(buffer.AsMemory(0, ping.Write(buffer, mac)), SocketFlags.None, target, CancellationToken.None);
            sent++;
            try
            {
                await Task.Delay(10, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return sent;
    }

    [Fact]
    public async Task ForgedAndReplayedPings_DoNotKeepAHungPeerAlive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);
        var peers = await SecureRun.ConnectWorldAsync(PeerOptions(master), 3, ct);
        try
        {
            var hung = peers[2];
            var forger = new HeartbeatAuthenticator(Encoding.UTF8.GetBytes("a guessed secret"));
            var signer = hung.Diagnostics.HeartbeatMac!; // what a recorded datagram of the peer carries
            using var attack = CancellationTokenSource.CreateLinkedTokenSource(ct);
            hung.Diagnostics.PauseHeartbeats();
            // Alternately: a forgery far ahead in sequence, and a correctly signed ping with a sequence number the peer
            // already used (what a replay of a recorded datagram carries).
            var pings = SendPingsAsync(master.Port, hung, i => i % 2 == 0 ? (1_000_000UL + (ulong)i, forger) : (1UL, signer), attack.Token);

            var clock = Stopwatch.StartNew();
            while (peers[0].GlobalWorldSize != 2 || peers[1].GlobalWorldSize != 2)
            {
                if (clock.Elapsed > Timeout + SecureRun.Patience)
                {
                    var d = master.Diagnostics.HeartbeatDrops!;
                    Assert.Fail($"the hung peer was kept alive: worlds {peers[0].GlobalWorldSize}/{peers[1].GlobalWorldSize}, " +
                                $"drops bad MAC {d[HeartbeatDrop.BadMac]}, stale {d[HeartbeatDrop.Stale]}, unknown {d[HeartbeatDrop.UnknownSession]}, " +
                                $"pings task {pings.Status} {pings.Exception?.GetBaseException().Message}");
                }

                await Task.Delay(10, ct);
            }

            await attack.CancelAsync();
            Assert.True(await pings > 10);
            var drops = master.Diagnostics.HeartbeatDrops!;
            Assert.True(drops[HeartbeatDrop.BadMac] > 0, "no forgery reached the master");
            // Replays count as stale until the hung peer's session is forgotten, then as unknown.
            Assert.True(drops[HeartbeatDrop.Stale] + drops[HeartbeatDrop.UnknownSession] > 0, "no replay reached the master");
            await SecureRun.AllReduceOnceAsync(peers.Take(2).ToList(), 1000, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task ForgedPingsAheadInSequence_DoNotKillALivePeer()
    {
        // Unsigned, a ping far ahead in sequence would make every real ping look stale and the peer be removed.
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);
        var peers = await SecureRun.ConnectWorldAsync(PeerOptions(master), 2, ct);
        try
        {
            var forger = new HeartbeatAuthenticator(Encoding.UTF8.GetBytes("a guessed secret"));
            using var attack = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var pings = SendPingsAsync(master.Port, peers[1], i => (ulong.MaxValue - (ulong)i, forger), attack.Token);

            await Task.Delay(Timeout * 4, ct);
            await attack.CancelAsync();

            Assert.True(await pings > 10);
            Assert.True(master.Diagnostics.HeartbeatDrops![HeartbeatDrop.BadMac] > 0, "no forgery reached the master");
            Assert.All(peers, p => Assert.Equal(2, p.GlobalWorldSize));
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }
}
