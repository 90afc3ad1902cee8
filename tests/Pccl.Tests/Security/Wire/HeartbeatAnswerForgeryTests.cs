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

    private static readonly HeartbeatAuthenticator Forger = new(Encoding.UTF8.GetBytes("a guessed secret"));

    private static CommunicatorOptions PeerOptions(MasterNode master) =>
        SecureRun.Peer(master, null, SecureRun.Auth(Secret)) with { HeartbeatInterval = Interval, HeartbeatTimeout = Timeout };

    /// <summary>What a forged answer carries.</summary>
    private enum Forgery
    {
        /// <summary>A wrong MAC for the peer's latest ping (which the peer would take if it did not check the MAC).</summary>
        WrongMac,

        /// <summary>Correctly signed for sequence 1, answered long ago: what a recorded answer sent again carries.</summary>
        Replay,

        /// <summary>Correctly signed, far ahead of any ping sent.</summary>
        FarFuture,
    }

    private static readonly Forgery[] EveryForgery = [Forgery.WrongMac, Forgery.Replay, Forgery.FarFuture];

    /// <summary>
    /// Every 10 ms until cancelled, one answer of each of <paramref name="kinds"/> to <paramref name="victim"/>'s heartbeat
    /// socket. Returns how many rounds went out.
    /// </summary>
    private static async Task<int> SendAnswersAsync(Communicator victim, Forgery[] kinds, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, victim.Diagnostics.HeartbeatPort!.Value);
        var buffer = new byte[HeartbeatDatagram.Size];
        var signer = victim.Diagnostics.HeartbeatMac!; // the session's own key: replays and far-future answers are correctly signed
        var rounds = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var kind in kinds)
            {
                var (sequence, mac) = kind switch
                {
                    Forgery.WrongMac => (victim.Diagnostics.LatestHeartbeat!.Value, (IHeartbeatMac)Forger),
                    Forgery.Replay => (1UL, signer),
                    _ => (1UL << 40, signer),
                };
                var pong = new HeartbeatDatagram(HeartbeatKind.Pong, victim.PeerId, victim.Diagnostics.HeartbeatToken!.Value, sequence, Stopwatch.GetTimestamp());
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

            var drops = peers[0].Diagnostics.HeartbeatDrops!;
            Assert.Equal(0, drops.Total);
            await test(master, peers, drops, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    private static long AcceptedAnswers(Communicator peer) => peer.Diagnostics.HeartbeatAnswersAccepted!.Value;

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
        $"bad MAC {d[HeartbeatDrop.BadMac]}, stale {d[HeartbeatDrop.Stale]}, too far ahead {d[HeartbeatDrop.TooFarAhead]}, unknown {d[HeartbeatDrop.UnknownSession]}, total {d.Total}";

    [Fact]
    public Task ForgedReplayedAndFarFutureAnswersAreDroppedAndCountedWhileTheMasterStaysAlive() =>
        WithAnsweredPeersAsync(async (_, peers, drops, ct) =>
        {
            var victim = peers[0];
            // in this order, so that no answer taken is to a ping not yet counted
            var acceptedBefore = AcceptedAnswers(victim);
            var pingsBefore = victim.Diagnostics.LatestHeartbeat!.Value;

            // One kind at a time, each counted before the next starts, since replays and far-future answers are both
            // counted stale. Drops can only exceed what the attack sent (a real answer can arrive late or twice and be
            // stale too); that no real answer was refused is checked on the accepted answers below. Loopback UDP loses a
            // datagram only when the peer's receive buffer overflows, which a few hundred datagrams a second do not do.
            var badMac = await AttackAsync(victim, drops, Forgery.WrongMac, HeartbeatDrop.BadMac, Timeout, ct);
            var replays = await AttackAsync(victim, drops, Forgery.Replay, HeartbeatDrop.Stale, Timeout, ct);
            // Long enough that one accepted far-future answer would have turned every real answer stale for a timeout.
            var farFuture = await AttackAsync(victim, drops, Forgery.FarFuture, HeartbeatDrop.TooFarAhead, Timeout * 2, ct);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"sent {badMac} wrong-MAC, {replays} replayed, {farFuture} far-future answers; dropped: {Describe(drops)}");
            Assert.True(drops.Total >= badMac + replays + farFuture, $"dropped: {Describe(drops)}");

            // Every ping sent before the attack ended had its real answer taken: the accepted count kept pace with them.
            var pingsAfter = victim.Diagnostics.LatestHeartbeat!.Value;
            var clock = Stopwatch.StartNew();
            while (AcceptedAnswers(victim) - acceptedBefore < (long)(pingsAfter - pingsBefore))
            {
                Assert.True(clock.Elapsed < SecureRun.Patience,
                    $"{pingsAfter - pingsBefore} pings went out during the attack but only {AcceptedAnswers(victim) - acceptedBefore} answers were taken");
                await Task.Delay(10, ct);
            }

            // still in the run: the all-reduce goes through the master
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
        });

    /// <summary>
    /// Sends <paramref name="kind"/> answers for <paramref name="duration"/> and waits until the peer has counted at least
    /// as many <paramref name="drop"/> drops more; returns how many went out.
    /// </summary>
    private static async Task<int> AttackAsync(Communicator victim, HeartbeatDropCounts drops, Forgery kind, HeartbeatDrop drop,
        TimeSpan duration, CancellationToken ct)
    {
        var before = drops[drop];
        using var attack = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var answers = SendAnswersAsync(victim, [kind], attack.Token);
        await Task.Delay(duration, ct);
        await attack.CancelAsync();
        var sent = await answers;
        Assert.True(sent > 5, $"only {sent} {kind} answers went out");

        var clock = Stopwatch.StartNew();
        while (drops[drop] - before < sent)
        {
            Assert.True(clock.Elapsed < SecureRun.Patience, $"{sent} {kind} answers sent, {drops[drop] - before} counted as {drop}: {Describe(drops)}");
            await Task.Delay(10, ct);
        }

        return sent;
    }

    [Fact]
    public Task APeerDetectsAHungMasterWithinTheTimeoutWhileForgedAnswersKeepArriving() =>
        WithAnsweredPeersAsync(async (master, peers, drops, ct) =>
        {
            // A vote the other peer never joins: it waits on the master until the heartbeats say the master is gone.
            var pending = peers[0].UpdateTopologyAsync(ct);
            using var attack = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var answers = SendAnswersAsync(peers[0], EveryForgery, attack.Token);
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
            master.Diagnostics.Hang();

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
