using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pccl.Tests.Security.Support;
using Pccl.Tests.Support;
using Pccl.Transport.Heartbeats;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Wire;

/// <summary>
/// The peer's side of signed heartbeats: an attacker sends a peer answers (pongs) in its session's name, as if from the
/// master. Forgeries, replays of old answers and answers to pings never sent are dropped and counted; they neither
/// make the live master look lost nor hide a hung one.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public sealed class HeartbeatAnswerForgeryTests
{
    private const string Secret = "heartbeat answer test secret";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    // The peer's heartbeat thread wakes exactly at the timeout; this covers a late wake-up and the thread-pool
    // continuation that fails the pending call, on two cores shared with other processes (this test runs alone among
    // the tests).
    private static readonly TimeSpan SchedulingSlack = TimeSpan.FromMilliseconds(300);

    private static readonly HeartbeatAuthenticator Signer = new(Encoding.UTF8.GetBytes(Secret));
    private static readonly HeartbeatAuthenticator Forger = new(Encoding.UTF8.GetBytes("a guessed secret"));

    private static CommunicatorOptions PeerOptions(MasterNode master) =>
        SecureRun.Peer(master, null, SecureRun.Auth(Secret)) with { HeartbeatInterval = Interval, HeartbeatTimeout = Timeout };

    /// <summary>
    /// Every 10 ms until cancelled, three answers to <paramref name="victim"/>'s heartbeat socket: one with a wrong MAC
    /// for its latest ping (which the peer would take if it did not check the MAC), one correctly signed for sequence 1
    /// (answered long ago: what a recorded answer sent again carries), and one correctly signed far ahead of any ping
    /// sent. Returns how many rounds went out.
    /// </summary>
    private static async Task<int> SendAnswersAsync(Communicator victim, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, victim.HeartbeatPortForTest!.Value);
        var buffer = new byte[HeartbeatDatagram.Size];
        var rounds = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var (sequence, mac) in new (ulong, IHeartbeatMac)[] { (victim.LatestHeartbeatForTest!.Value, Forger), (1, Signer), (1UL << 40, Signer) })
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

    private static long AcceptedAnswers(Communicator peer) => peer.HeartbeatAnswersAcceptedForTest!.Value;

    /// <summary>The peer's accepted-answer count, read every millisecond or so until cancelled, with each reading's time stamp.</summary>
    private static async Task<List<(long At, long Accepted)>> SampleAcceptedAnswersAsync(Communicator peer, CancellationToken stop)
    {
        var samples = new List<(long, long)>();
        while (!stop.IsCancellationRequested)
        {
            var at = Stopwatch.GetTimestamp();
            samples.Add((at, AcceptedAnswers(peer)));
            try
            {
                await Task.Delay(1, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return samples;
    }

    private static string Describe(HeartbeatDropCounts d) =>
        $"bad MAC {d[HeartbeatDrop.BadMac]}, stale {d[HeartbeatDrop.Stale]}, unknown {d[HeartbeatDrop.UnknownSession]}, total {d.Total}";

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
            while (drops[HeartbeatDrop.BadMac] < rounds || drops[HeartbeatDrop.Stale] < 2 * rounds)
            {
                Assert.True(clock.Elapsed < SecureRun.Patience, $"{rounds} rounds sent, dropped: {Describe(drops)}");
                await Task.Delay(10, ct);
            }

            // Exactly the attack's datagrams: none of the master's real answers was refused.
            Assert.Equal(rounds, drops[HeartbeatDrop.BadMac]);
            Assert.Equal(2L * rounds, drops[HeartbeatDrop.Stale]);
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
            var (badMac, stale) = (drops[HeartbeatDrop.BadMac], drops[HeartbeatDrop.Stale]);

            // The peer counts the silence from the last answer it accepted, which may come after the hang (an answer
            // already on its way). Sampling the accepted count brackets that moment from below: it came after the last
            // sample that had not seen it yet.
            using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var samples = SampleAcceptedAnswersAsync(peers[0], sampling.Token);
            var first = AcceptedAnswers(peers[0]);
            while (AcceptedAnswers(peers[0]) == first)
            {
                Assert.True(clock.Elapsed < SecureRun.Patience, "no heartbeat was answered while the forged answers arrived");
                await Task.Delay(5, ct);
            }

            var hungAt = Stopwatch.GetTimestamp();
            master.HangForTest();

            var lost = await Assert.ThrowsAsync<PcclException>(() => pending.WaitAsync(SecureRun.Patience, ct));
            var detectedAt = Stopwatch.GetTimestamp();
            await sampling.CancelAsync();
            var accepted = AcceptedAnswers(peers[0]);
            var lastAcceptedNotBefore = (await samples).Last(s => s.Accepted < accepted).At;
            await attack.CancelAsync();
            await answers;
            var detected = Stopwatch.GetElapsedTime(hungAt, detectedAt);
            var sinceLastAnswer = Stopwatch.GetElapsedTime(lastAcceptedNotBefore, detectedAt);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"master lost {detected.TotalMilliseconds:0} ms after the hang, at most {sinceLastAnswer.TotalMilliseconds:0} ms after " +
                $"the last accepted answer; {lost.Message}; dropped: {Describe(drops)}");

            Assert.Equal(PcclErrorCode.MasterLost, lost.Code);
            Assert.Contains("no heartbeat answer", lost.Message, StringComparison.Ordinal);
            // T after the last accepted answer, never sooner; that answer left the master before the hang, so detection
            // comes within T of the hang plus scheduling.
            Assert.True(sinceLastAnswer >= Timeout,
                $"master declared lost {sinceLastAnswer.TotalMilliseconds:0} ms after the last accepted answer at most");
            Assert.True(detected <= Timeout + SchedulingSlack, $"master declared lost {detected.TotalMilliseconds:0} ms after the hang");
            Assert.True(drops[HeartbeatDrop.BadMac] > badMac && drops[HeartbeatDrop.Stale] > stale,
                $"forged answers stopped arriving during the silence: before the hang bad MAC {badMac}, stale {stale}; after: {Describe(drops)}");
        });
}
