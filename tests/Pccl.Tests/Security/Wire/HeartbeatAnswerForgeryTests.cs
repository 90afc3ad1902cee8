using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pccl.Tests.Security.Support;
using Pccl.Transport.Heartbeats;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Wire;

/// <summary>
/// The peer's side of signed heartbeats: an attacker sends a peer answers (pongs) in its session's name, as if from the
/// master. Forgeries, replays of old answers and answers to pings never sent are dropped and counted; they neither
/// make the live master look lost nor hide a hung one.
/// </summary>
public sealed class HeartbeatAnswerForgeryTests
{
    private const string Secret = "heartbeat answer test secret";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    // The peer's heartbeat thread wakes exactly at the timeout; this covers a late wake-up and the thread-pool
    // continuation that fails the pending call, on two cores shared with parallel tests and builds.
    private static readonly TimeSpan SchedulingSlack = TimeSpan.FromMilliseconds(300);

    // How late the master's heartbeat thread may answer the last ping before the hang, which moves detection earlier.
    private static readonly TimeSpan AnswerDelay = TimeSpan.FromMilliseconds(50);

    private static readonly HeartbeatAuthenticator Forger = new(Encoding.UTF8.GetBytes("a guessed secret"));

    private static CommunicatorOptions PeerOptions(MasterNode master) =>
        SecureRun.Peer(master, null, SecureRun.Auth(Secret)) with { HeartbeatInterval = Interval, HeartbeatTimeout = Timeout };

    /// <summary>
    /// Every 10 ms until cancelled, three answers to <paramref name="victim"/>'s heartbeat socket: one with a wrong MAC
    /// for its latest ping (which the peer would take if it did not check the MAC), one correctly signed (the session's
    /// key) for sequence 1 (answered long ago: what a recorded answer sent again carries), and one correctly signed far
    /// ahead of any ping sent. Returns how many rounds went out.
    /// </summary>
    private static async Task<int> SendAnswersAsync(Communicator victim, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, victim.HeartbeatPortForTest!.Value);
        var buffer = new byte[HeartbeatDatagram.Size];
        var signer = victim.HeartbeatMacForTest!;
        var rounds = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var (sequence, mac) in new (ulong, IHeartbeatMac)[] { (victim.LatestHeartbeatForTest!.Value, Forger), (1, signer), (1UL << 40, signer) })
            {
                var pong = new HeartbeatDatagram(HeartbeatKind.Pong, victim.PeerId, victim.HeartbeatTokenForTest!.Value, sequence, Stopwatch.GetTimestamp());
                await socket.SendToAsync(buffer.AsMemory(0, pong.Write(buffer, mac)), SocketFlags.None, target, CancellationToken.None);
            }

            rounds++;
            try
            {
                await Task.Delay(10, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return rounds;
    }

    /// <summary>
    /// A master and two peers, each with an answered heartbeat (so sequence 1 is old); runs <paramref name="test"/> with
    /// the master, the peers and the attacked first peer's drop counts, none so far.
    /// </summary>
    private static async Task WithAnsweredPeersAsync(Func<MasterNode, List<Communicator>, HeartbeatDropCounts, CancellationToken, Task> test)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(null, SecureRun.Auth(Secret), ct);
        var peers = await SecureRun.ConnectWorldAsync(PeerOptions(master), 2, ct);
        try
        {
            var clock = Stopwatch.StartNew();
            while (peers.Any(p => p.HeartbeatRtt is null))
            {
                Assert.True(clock.Elapsed < SecureRun.Patience, "no heartbeat was ever answered");
                await Task.Delay(10, ct);
            }

            var drops = peers[0].HeartbeatDropsForTest!;
            Assert.Equal(0, drops.Total);
            await test(master, peers, drops, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    private static string Describe(HeartbeatDropCounts d) =>
        $"bad MAC {d[HeartbeatDrop.BadMac]}, stale {d[HeartbeatDrop.Stale]}, too far ahead {d[HeartbeatDrop.TooFarAhead]}, unknown {d[HeartbeatDrop.UnknownSession]}, total {d.Total}";

    [Fact]
    public Task ForgedReplayedAndFarFutureAnswersAreDroppedAndCountedWhileTheMasterStaysAlive() =>
        WithAnsweredPeersAsync(async (_, peers, drops, ct) =>
        {
            using var attack = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var answers = SendAnswersAsync(peers[0], attack.Token);

            // Long enough that one accepted far-future answer would have turned every real answer stale for a timeout.
            await Task.Delay(Timeout * 3, ct);
            await attack.CancelAsync();
            var rounds = await answers;
            Assert.True(rounds > 10, $"only {rounds} rounds of answers went out");

            var clock = Stopwatch.StartNew();
            while (drops[HeartbeatDrop.BadMac] < rounds || drops[HeartbeatDrop.Stale] < rounds || drops[HeartbeatDrop.TooFarAhead] < rounds)
            {
                Assert.True(clock.Elapsed < SecureRun.Patience, $"{rounds} rounds sent, dropped: {Describe(drops)}");
                await Task.Delay(10, ct);
            }

            // Exactly the attack's datagrams: none of the master's real answers was refused.
            Assert.Equal(rounds, drops[HeartbeatDrop.BadMac]);
            Assert.Equal(rounds, drops[HeartbeatDrop.Stale]);
            Assert.Equal(rounds, drops[HeartbeatDrop.TooFarAhead]);
            Assert.Equal(3L * rounds, drops.Total);
            // still in the run: the all-reduce goes through the master
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
        });

    [Fact]
    public Task APeerDetectsAHungMasterWithinTheTimeoutWhileForgedAnswersKeepArriving() =>
        WithAnsweredPeersAsync(async (master, peers, drops, ct) =>
        {
            // A vote the other peer never joins: it waits on the master until the heartbeats say the master is gone.
            var pending = peers[0].UpdateTopologyAsync(ct);
            using var attack = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var answers = SendAnswersAsync(peers[0], attack.Token);
            var clock = Stopwatch.StartNew();
            while (drops.Total == 0)
            {
                Assert.True(clock.Elapsed < SecureRun.Patience, "no forged answer reached the peer");
                await Task.Delay(5, ct);
            }

            Assert.False(pending.IsCompleted);
            var (badMac, stale, ahead) = (drops[HeartbeatDrop.BadMac], drops[HeartbeatDrop.Stale], drops[HeartbeatDrop.TooFarAhead]);
            clock.Restart();
            master.HangForTest();

            var lost = await Assert.ThrowsAsync<PcclException>(() => pending.WaitAsync(SecureRun.Patience, ct));
            var detected = clock.Elapsed;
            await attack.CancelAsync();
            await answers;
            TestContext.Current.TestOutputHelper?.WriteLine($"master lost after {detected.TotalMilliseconds:0} ms; dropped: {Describe(drops)}");

            Assert.Equal(PcclErrorCode.MasterLost, lost.Code);
            Assert.Contains("no heartbeat answer", lost.Message, StringComparison.Ordinal);
            // T after the last real answer, which came at most one interval (and the answer's delay) before the hang.
            Assert.InRange(detected, Timeout - Interval - AnswerDelay, Timeout + SchedulingSlack);
            Assert.True(drops[HeartbeatDrop.BadMac] > badMac && drops[HeartbeatDrop.Stale] > stale && drops[HeartbeatDrop.TooFarAhead] > ahead,
                $"forged answers stopped arriving during the silence: before the hang bad MAC {badMac}, stale {stale}, too far ahead {ahead}; after: {Describe(drops)}");
        });
}
