using System.Net;
using System.Net.Sockets;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Heartbeats;

public class HeartbeatMonitorTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TestMac PeerKey = new([3, 3]);

    private static Socket RawPeer()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = (int)Patience.TotalMilliseconds };
        socket.Bind(Loopback);
        return socket;
    }

    private static void SendTo(Socket socket, HeartbeatMonitor monitor, HeartbeatDatagram datagram, IHeartbeatMac? mac)
    {
        var buffer = new byte[HeartbeatDatagram.Size];
        socket.SendTo(buffer.AsSpan(0, datagram.Write(buffer, mac)), new IPEndPoint(IPAddress.Loopback, monitor.Port));
    }

    private static HeartbeatDatagram ReceivePong(Socket socket, IHeartbeatMac mac)
    {
        var buffer = new byte[256];
        var length = socket.Receive(buffer);
        Assert.Equal(HeartbeatDrop.None, HeartbeatDatagram.TryRead(buffer.AsSpan(0, length), mac, out var pong));
        return pong;
    }

    private static HeartbeatMonitor StartMonitor(TimeSpan timeout, Action<SilentPeer>? onSilent = null) =>
        HeartbeatMonitor.Start(Loopback, Interval, timeout, TimeSpan.FromMilliseconds(20), onSilent ?? (_ => { }));

    [Fact]
    public void AnswersAValidPingAtOnceWithAnEchoingPong()
    {
        using var monitor = StartMonitor(Patience);
        monitor.Track(connectionId: 11, peerId: 3, token: 77, PeerKey);
        using var peer = RawPeer();
        var ping = new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 1, 999);
        SendTo(peer, monitor, ping, PeerKey);
        Assert.Equal(ping.ToPong(), ReceivePong(peer, PeerKey));
        Assert.Equal(1, monitor.PingsAnswered);
    }

    [Fact]
    public async Task PingsThatArrivedWhileTheMonitorWaitedForACoreAreHeardBeforeItsSilenceCheck()
    {
        using var clock = new HeldClock("pccl heartbeat monitor");
        var silent = new List<SilentPeer>();
        using var monitor = HeartbeatMonitor.Start(Loopback, Interval, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(20), p => { lock (silent) { silent.Add(p); } }, time: clock);
        monitor.Track(connectionId: 1, peerId: 3, token: 77, PeerKey);
        using var peer = RawPeer();
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 1, 0), PeerKey);
        Assert.Equal(1UL, ReceivePong(peer, PeerKey).Sequence);

        clock.Hold();
        Assert.True(clock.WaitUntilParked(Patience), "the monitor's thread did not read the clock");
        var checks = monitor.SilenceChecks; // none runs while it is parked
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 2, 0), PeerKey);
        await Task.Delay(50, TestContext.Current.CancellationToken); // the ping is queued at the monitor's socket
        clock.Advance(TimeSpan.FromSeconds(2)); // twice the timeout passes while the ping waits to be read
        clock.Release();

        Assert.Equal(2UL, ReceivePong(peer, PeerKey).Sequence);
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (monitor.SilenceChecks == checks) // the clock stands still now: exactly one check follows the release
        {
            Assert.True(patience.Elapsed < Patience, "no silence check ran after the release");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        lock (silent)
        {
            Assert.Empty(silent);
        }
    }

    [Fact]
    public void IgnoresStrangersOldIncarnationsReplaysAndGarbage()
    {
        using var monitor = StartMonitor(Patience);
        monitor.Track(1, 3, 77, PeerKey);
        using var peer = RawPeer();
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 76, 1, 0), PeerKey); // previous incarnation's token
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 4, 77, 1, 0), PeerKey); // a peer id the master does not track
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Pong, 3, 77, 1, 0), PeerKey);
        peer.SendTo(new byte[HeartbeatDatagram.Size], new IPEndPoint(IPAddress.Loopback, monitor.Port));
        var oversized = new byte[1500]; // a valid ping with trailing bytes
        new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 9, 0).Write(oversized, PeerKey);
        peer.SendTo(oversized, new IPEndPoint(IPAddress.Loopback, monitor.Port));
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 2, 0), PeerKey);
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 2, 0), PeerKey); // replayed
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 1, 0), PeerKey); // older
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 3, 0), PeerKey);

        Assert.Equal(2UL, ReceivePong(peer, PeerKey).Sequence);
        Assert.Equal(3UL, ReceivePong(peer, PeerKey).Sequence);
        Assert.Equal(2, monitor.PingsAnswered);
        Assert.Equal(2, monitor.Drops[HeartbeatDrop.UnknownSession]);
        Assert.Equal(1, monitor.Drops[HeartbeatDrop.WrongKind]);
        Assert.Equal(1, monitor.Drops[HeartbeatDrop.BadMagic]);
        Assert.Equal(1, monitor.Drops[HeartbeatDrop.WrongLength]);
        Assert.Equal(2, monitor.Drops[HeartbeatDrop.Stale]);
    }

    [Fact]
    public async Task ReportsAPeerThatNeverSendsAHeartbeatOnce()
    {
        var reported = new List<SilentPeer>();
        var first = new TaskCompletionSource<SilentPeer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timeout = TimeSpan.FromMilliseconds(200);
        using var monitor = StartMonitor(timeout, p =>
        {
            lock (reported)
            {
                reported.Add(p);
            }

            first.TrySetResult(p);
        });
        monitor.Track(5, 9, 1234, PeerKey);

        var silent = await first.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(new SilentPeer(5, 9, silent.Silence), silent);
        Assert.True(silent.Silence >= timeout, $"reported after {silent.Silence}");
        await Task.Delay(timeout * 2, TestContext.Current.CancellationToken);
        lock (reported)
        {
            Assert.Single(reported);
        }

        Assert.Equal(0, monitor.TrackedCount);
    }

    [Fact]
    public async Task KeepsAPingingPeerAndAForgottenOneButReportsTheSilentOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var reported = new List<ulong>();
        var silentReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timeout = TimeSpan.FromMilliseconds(400);
        using var monitor = StartMonitor(timeout, p =>
        {
            lock (reported)
            {
                reported.Add(p.PeerId);
            }

            silentReported.TrySetResult();
        });
        var lost = new TaskCompletionSource<TimeSpan>();
        // the sender is already pinging when peer 1 is tracked, so a slow thread start cannot pass for silence
        using var sender = HeartbeatSender.Start(new IPEndPoint(IPAddress.Loopback, monitor.Port),
            new HeartbeatSession(1, 100, Interval, Patience), PeerKey, s => lost.TrySetResult(s));
        await Task.Delay(100, ct);
        monitor.Track(1, 1, 100, PeerKey);
        monitor.Track(2, 2, 200, new TestMac([2]));
        monitor.Track(3, 3, 300, new TestMac([3]));
        monitor.Forget(3);

        await silentReported.Task.WaitAsync(Patience, ct);
        await Task.Delay(timeout * 2, ct);
        lock (reported)
        {
            Assert.Equal([2UL], reported);
        }

        Assert.Equal(1, monitor.TrackedCount);
        Assert.False(lost.Task.IsCompleted);
        Assert.True(sender.PongsReceived > 0);
        Assert.NotNull(sender.Rtt.Last);
        Assert.NotNull(sender.Rtt.Smoothed);
        Assert.True(sender.Rtt.Last >= TimeSpan.Zero && sender.Rtt.Last < Patience);
    }

    [Fact]
    public async Task SenderDeclaresTheMasterLostWhenPongsStop()
    {
        var ct = TestContext.Current.CancellationToken;
        using var monitor = StartMonitor(Patience);
        monitor.Track(1, 8, 800, PeerKey);
        var timeout = TimeSpan.FromMilliseconds(300);
        var lost = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sender = HeartbeatSender.Start(new IPEndPoint(IPAddress.Loopback, monitor.Port),
            new HeartbeatSession(8, 800, Interval, timeout), PeerKey, s => lost.TrySetResult(s));
        while (sender.PongsReceived == 0)
        {
            await Task.Delay(20, ct);
        }

        Assert.False(lost.Task.IsCompleted);
        monitor.PauseAnswers();
        var silence = await lost.Task.WaitAsync(Patience, ct);
        Assert.True(silence >= timeout, $"declared lost after {silence}");
    }

    [Fact]
    public async Task AnAnswerThatArrivedWhileTheSenderWaitedForACoreIsHeardBeforeItJudgesTheMasterSilent()
    {
        var ct = TestContext.Current.CancellationToken;
        using var master = RawPeer(); // plays the master: the test answers each ping when it chooses
        using var clock = new HeldClock("pccl heartbeat sender (peer 8)");
        var lost = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sender = HeartbeatSender.Start((IPEndPoint)master.LocalEndPoint!,
            new HeartbeatSession(8, 800, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)), PeerKey, s => lost.TrySetResult(s), time: clock);
        Answer(ReceivePing(master, out var from), from); // answered at once
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (sender.PongsReceived == 0)
        {
            Assert.True(started.Elapsed < Patience, "the sender read no answer to its first ping");
            await Task.Delay(5, ct);
        }

        clock.Advance(TimeSpan.FromMilliseconds(900)); // a ping is due: ping 2 leaves at +0.9 s
        var ping2 = ReceivePing(master, out from);
        Assert.Equal(2UL, ping2.Sequence);
        await Task.Delay(30, ct); // the sender is back in its wait for an answer, where it spends all but microseconds
        clock.Hold();
        Assert.True(clock.WaitUntilParked(Patience), "the sender's thread did not read the clock");
        Answer(ping2, from); // queued while the sender's thread waits for a core
        clock.Advance(TimeSpan.FromMilliseconds(300)); // +1.2 s: past the 1 s timeout since answer 1, 0.3 s since ping 2
        clock.Release();

        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (sender.PongsReceived < 2 && !lost.Task.IsCompleted)
        {
            Assert.True(patience.Elapsed < Patience, "the sender read no answer after the release");
            await Task.Delay(5, ct);
        }

        await Task.Delay(100, ct); // its check follows the drain at once; the clock stands still now
        Assert.False(lost.Task.IsCompleted, "the sender judged the master silent with its answer waiting to be read");

        void Answer(HeartbeatDatagram ping, EndPoint to)
        {
            var buffer = new byte[HeartbeatDatagram.Size];
            master.SendTo(buffer.AsSpan(0, ping.ToPong().Write(buffer, PeerKey)), to);
        }
    }

    private static HeartbeatDatagram ReceivePing(Socket master, out EndPoint from)
    {
        var buffer = new byte[256];
        from = new IPEndPoint(IPAddress.Any, 0);
        var length = master.ReceiveFrom(buffer, ref from);
        Assert.Equal(HeartbeatDrop.None, HeartbeatDatagram.TryRead(buffer.AsSpan(0, length), PeerKey, out var ping));
        return ping;
    }

    [Fact]
    public async Task MatchingMacsAnswerAndAnotherPeersKeyIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var monitor = StartMonitor(Patience);
        monitor.Track(1, 1, 10, new TestMac([1, 1]));
        monitor.Track(2, 2, 20, new TestMac([2]));
        var session = new HeartbeatSession(1, 10, Interval, Patience);
        using var good = HeartbeatSender.Start(new IPEndPoint(IPAddress.Loopback, monitor.Port), session, new TestMac([1, 1]), _ => { });
        // peer 2's session, sealed with peer 1's key
        using var bad = HeartbeatSender.Start(new IPEndPoint(IPAddress.Loopback, monitor.Port), session with { PeerId = 2, Token = 20 }, new TestMac([1, 1]), _ => { });
        while (good.PongsReceived == 0 || monitor.Drops[HeartbeatDrop.BadMac] == 0)
        {
            await Task.Delay(20, ct);
        }

        Assert.Equal(0, bad.PongsReceived);
    }

    [Fact]
    public void PingsUnsealedOrSealedWithAnotherKeyAreDroppedAndNeverAnswered()
    {
        using var monitor = StartMonitor(Patience);
        monitor.Track(1, 3, 77, PeerKey);
        using var peer = RawPeer();
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, ulong.MaxValue, 0), mac: null);
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, ulong.MaxValue, 0), new TestMac([9]));
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 1, 0), PeerKey);

        Assert.Equal(1UL, ReceivePong(peer, PeerKey).Sequence);
        Assert.Equal(1, monitor.PingsAnswered);
        Assert.Equal(2, monitor.Drops[HeartbeatDrop.BadMac]);
        Assert.Equal(2, monitor.Drops.Total);
    }

    [Fact]
    public void ASealedPingBeyondTheSequenceWindowIsDroppedAndLaterPingsStillCount()
    {
        using var monitor = StartMonitor(Patience);
        var maxJump = HeartbeatSequenceWindow.For(Interval, Patience).MaxJump;
        monitor.Track(1, 3, 77, PeerKey);
        using var peer = RawPeer();
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, ulong.MaxValue, 0), PeerKey);
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, maxJump + 1, 0), PeerKey);
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 1, 0), PeerKey);
        SendTo(peer, monitor, new HeartbeatDatagram(HeartbeatKind.Ping, 3, 77, 1 + maxJump, 0), PeerKey); // the most a live peer jumps

        Assert.Equal(1UL, ReceivePong(peer, PeerKey).Sequence);
        Assert.Equal(1 + maxJump, ReceivePong(peer, PeerKey).Sequence);
        Assert.Equal(2, monitor.Drops[HeartbeatDrop.TooFarAhead]);
        Assert.Equal(2, monitor.Drops.Total);
    }
}
