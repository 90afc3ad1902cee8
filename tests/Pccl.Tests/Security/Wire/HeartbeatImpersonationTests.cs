using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Pccl.Tests.Heartbeats;
using Pccl.Tests.Security.Support;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Security.Wire;

/// <summary>
/// An attacker who sees a peer's heartbeats (peer id, token and sequence travel in clear) and may know the shared
/// secret or be another member, but cannot read that peer's control connection, sends datagrams in the peer's name
/// from a raw UDP socket: one ping numbered 2^64-1, or answers to the peer's latest ping. Neither removes a live peer
/// nor hides a hung master; and even a ping signed with the peer's own key is refused that far ahead.
/// </summary>
public sealed class HeartbeatImpersonationTests
{
    private const string Secret = "heartbeat impersonation test secret";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(600);

    private static Task<MasterNode> StartMasterAsync(bool auth, CancellationToken ct) => MasterNode.StartAsync(MasterOptions.Default with
    {
        Port = 0,
        BindAddress = "127.0.0.1",
        HeartbeatInterval = Interval,
        HeartbeatTimeout = Timeout,
        Auth = auth ? SecureRun.Auth(Secret) : AuthOptions.Disabled,
    }, ct: ct);

    /// <summary>Pings numbered 2^64-1 (and just below, in case one is lost) in <paramref name="victim"/>'s session.</summary>
    private static async Task SendMaxSequencePingsAsync(int masterPort, Communicator victim, IHeartbeatMac? mac)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var buffer = new byte[HeartbeatDatagram.Size];
        for (var i = 0UL; i < 3; i++)
        {
            var ping = new HeartbeatDatagram(HeartbeatKind.Ping, victim.PeerId, victim.Diagnostics.HeartbeatToken!.Value, ulong.MaxValue - i, Stopwatch.GetTimestamp());
            await socket.SendToAsync(buffer.AsMemory(0, ping.Write(buffer, mac)), SocketFlags.None, new IPEndPoint(IPAddress.Loopback, masterPort));
        }
    }

    /// <summary>
    /// Sends max-sequence pings for the second of two peers, sealed with what <paramref name="forgery"/> picks (null:
    /// unsealed), then has both train for over twice the timeout; the master must have dropped all three as
    /// <paramref name="expected"/>.
    /// </summary>
    private static async Task ForgeThenTrainAsync(bool auth, Func<List<Communicator>, IHeartbeatMac?> forgery, HeartbeatDrop expected = HeartbeatDrop.BadMac)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(auth, ct);
        var options = SecureRun.Peer(master, null, auth ? SecureRun.Auth(Secret) : null) with { HeartbeatInterval = Interval, HeartbeatTimeout = TimeSpan.FromSeconds(5) };
        var peers = await SecureRun.ConnectWorldAsync(options, 2, ct);
        try
        {
            await SendMaxSequencePingsAsync(master.Port, peers[1], forgery(peers));
            var drops = master.Diagnostics.HeartbeatDrops!;
            var clock = Stopwatch.StartNew();
            var steps = 0;
            while (clock.Elapsed < (2 * Timeout) + Interval)
            {
                await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
                steps++;
                await Task.Delay(10, ct);
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"{steps} steps in {clock.ElapsedMilliseconds} ms; master dropped {drops[expected]} as {expected}, {drops.Total} in all");
            Assert.All(peers, p => Assert.Equal(2, p.GlobalWorldSize));
            Assert.Equal(3, drops[expected]);
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public Task AMaxSequencePingWithoutAuth_DoesNotRemoveALivePeer() => ForgeThenTrainAsync(auth: false, _ => null);

    [Theory]
    [InlineData("the secret used raw")]
    [InlineData("the cluster-wide key of release 1")]
    public Task AMaxSequencePingWithAuth_SignedWithWhatTheSecretAloneGives_DoesNotRemoveALivePeer(string key)
    {
        var secret = Encoding.UTF8.GetBytes(Secret);
        var forgery = new TestMac(key == "the secret used raw" ? secret : HMACSHA256.HashData(secret, "pccl heartbeat mac v1"u8.ToArray()));
        return ForgeThenTrainAsync(auth: true, _ => forgery);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task AMaxSequencePingSignedWithAnotherPeersKey_DoesNotRemoveALivePeer(bool auth) =>
        ForgeThenTrainAsync(auth, peers => peers[0].Diagnostics.HeartbeatMac);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task AMaxSequencePingSignedWithThePeersOwnKey_IsRefusedAsTooFarAhead(bool auth) =>
        ForgeThenTrainAsync(auth, peers => peers[1].Diagnostics.HeartbeatMac, HeartbeatDrop.TooFarAhead);

    [Fact]
    public async Task UnsignedAnswersWithoutAuth_DoNotHideAHungMaster()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(auth: false, ct);
        var options = SecureRun.Peer(master, null, null) with { HeartbeatInterval = Interval, HeartbeatTimeout = Timeout };
        var peers = await SecureRun.ConnectWorldAsync(options, 2, ct);
        try
        {
            var victim = peers[0];
            var pending = victim.UpdateTopologyAsync(ct); // waits on the master until the heartbeats say it is gone
            using var attack = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var answers = Task.Run(async () =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                var target = new IPEndPoint(IPAddress.Loopback, victim.Diagnostics.HeartbeatPort!.Value);
                var buffer = new byte[HeartbeatDatagram.Size];
                while (!attack.IsCancellationRequested)
                {
                    var pong = new HeartbeatDatagram(HeartbeatKind.Pong, victim.PeerId, victim.Diagnostics.HeartbeatToken!.Value, victim.Diagnostics.LatestHeartbeat!.Value, Stopwatch.GetTimestamp());
                    await socket.SendToAsync(buffer.AsMemory(0, pong.Write(buffer, null)), SocketFlags.None, target, CancellationToken.None);
                    await Task.Delay(10, CancellationToken.None);
                }
            }, CancellationToken.None);

            master.Diagnostics.Hang();
            var lost = await Assert.ThrowsAsync<PcclException>(() => pending.WaitAsync(SecureRun.Patience, ct));
            await attack.CancelAsync();
            await answers;

            Assert.Equal(PcclErrorCode.MasterLost, lost.Code);
            Assert.Contains("no heartbeat answer", lost.Message, StringComparison.Ordinal);
            Assert.True(victim.Diagnostics.HeartbeatDrops![HeartbeatDrop.BadMac] > 0, "no forged answer reached the peer");
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }
}
