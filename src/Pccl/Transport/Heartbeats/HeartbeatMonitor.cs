using System.Net;
using System.Net.Sockets;

namespace Pccl.Transport.Heartbeats;

/// <summary>
/// The master's side of the heartbeats: a UDP socket on the control port's number that answers every valid ping at
/// once, and a watch over the tracked peers that reports any peer silent for the heartbeat timeout. It runs on its
/// own thread with blocking socket calls, so a busy thread pool never delays a pong or an expiry.
/// </summary>
/// <remarks>
/// A peer is tracked from its registration, so one that never sends a heartbeat is reported too. Each peer is
/// reported once and then forgotten. The callback runs on the monitor thread and must not block. A ping counts only
/// with the peer's token, a MAC under the peer's own session key, and a sequence number in the
/// <see cref="HeartbeatSequenceWindow"/> above the last one taken; each pong is sealed with that same key.
/// </remarks>
internal sealed class HeartbeatMonitor : IDisposable
{
    /// <summary>
    /// The receive buffer asked of the kernel: half a second of 1,000 peers' pings at 100 ms (5,000 datagrams) at about
    /// 1 KiB of kernel accounting each, so a stalled monitor thread drops no pings before the heartbeat timeout would
    /// remove their peers anyway. Linux grants at most twice <c>net.core.rmem_max</c>.
    /// </summary>
    internal const int ReceiveBufferTarget = 5000 * 1024;

    private static readonly TimeSpan MaxPollWait = TimeSpan.FromMilliseconds(50);

    private long _silenceChecks;

    /// <summary>At most this many queued datagrams are read before a silence check.</summary>
    private const int MaxQueuedBeforeCheck = 1024;

    private readonly Socket _socket;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _checkPeriod;
    private readonly Action<SilentPeer> _onSilent;
    private readonly HeartbeatSequenceWindow _window;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Session> _sessions = [];
    private readonly Thread _thread;
    private long _answered;
    private volatile bool _stopped;
    private volatile bool _answersPaused;

    private HeartbeatMonitor(Socket socket, HeartbeatSequenceWindow window, TimeSpan timeout, TimeSpan checkPeriod, Action<SilentPeer> onSilent, TimeProvider time)
    {
        _socket = socket;
        _timeout = timeout;
        _checkPeriod = checkPeriod;
        _onSilent = onSilent;
        _window = window;
        _time = time;
        _thread = new Thread(Run) { IsBackground = true, Name = "pccl heartbeat monitor" };
    }

    /// <summary>The UDP port bound.</summary>
    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>The receive buffer the kernel granted, in bytes (as <c>SO_RCVBUF</c> reads).</summary>
    public int ReceiveBufferBytes => _socket.ReceiveBufferSize;

    /// <summary>Datagrams ignored so far, by reason.</summary>
    public HeartbeatDropCounts Drops { get; } = new();

    /// <summary>Pings answered so far.</summary>
    public long PingsAnswered => Interlocked.Read(ref _answered);

    /// <summary>Silence checks run so far; for tests that must know a check has happened.</summary>
    internal long SilenceChecks => Interlocked.Read(ref _silenceChecks);

    /// <summary>Peers watched now.</summary>
    public int TrackedCount
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>
    /// Binds the UDP socket and starts answering peers that ping every <paramref name="interval"/>.
    /// <paramref name="checkPeriod"/> is how often silence is checked (about half the heartbeat interval). Throws
    /// <see cref="SocketException"/> when the port is taken.
    /// </summary>
    public static HeartbeatMonitor Start(IPEndPoint bind, TimeSpan interval, TimeSpan timeout, TimeSpan checkPeriod, Action<SilentPeer> onSilent,
        TimeProvider? time = null)
    {
        var window = HeartbeatSequenceWindow.For(interval, timeout);
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = ReceiveBufferTarget;
            socket.Bind(bind);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var period = checkPeriod <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : checkPeriod;
        var monitor = new HeartbeatMonitor(socket, window, timeout, period, onSilent, time ?? TimeProvider.System);
        monitor._thread.Start();
        return monitor;
    }

    /// <summary>
    /// Starts watching a peer whose datagrams carry <paramref name="token"/> and are sealed by <paramref name="mac"/>
    /// (its session key): it has until the heartbeat timeout from now to send its first ping.
    /// </summary>
    public void Track(long connectionId, ulong peerId, ulong token, IHeartbeatMac mac)
    {
        ArgumentNullException.ThrowIfNull(mac);
        lock (_gate)
        {
            _sessions[peerId] = new Session(connectionId, token, mac, _time.GetTimestamp());
        }
    }

    /// <summary>Stops watching a peer (it left or was removed).</summary>
    public void Forget(ulong peerId)
    {
        lock (_gate)
        {
            _sessions.Remove(peerId);
        }
    }

    /// <summary>Keeps reading pings but stops answering them, as a hung master would; for tests.</summary>
    internal void PauseAnswers() => _answersPaused = true;

    private void Run()
    {
        var receive = new byte[2048]; // larger than a heartbeat so an oversized datagram is seen whole and refused
        var send = new byte[HeartbeatDatagram.Size];
        var nextCheck = _time.GetTimestamp();
        while (!_stopped)
        {
            var untilCheck = _checkPeriod - _time.GetElapsedTime(nextCheck);
            if (untilCheck <= TimeSpan.Zero)
            {
                // Pings that came while this thread waited for a core (a loaded host) are heard before anyone is judged
                // silent; bounded, so a flood of datagrams cannot hold the check off. They count as heard now (a ping
                // carries the peer's clock, not this one), so a dead peer can be reported one timeout late, and only
                // after this thread itself waited longer than the timeout.
                try
                {
                    for (var i = 0; i < MaxQueuedBeforeCheck && _socket.Poll(TimeSpan.Zero, SelectMode.SelectRead); i++)
                    {
                        ReceiveOne(receive, send);
                    }
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    // an ICMP error for an earlier pong; the check goes on
                }

                ReportSilent();
                nextCheck = _time.GetTimestamp();
                continue;
            }

            try
            {
                if (_socket.Poll(untilCheck < MaxPollWait ? untilCheck : MaxPollWait, SelectMode.SelectRead))
                {
                    ReceiveOne(receive, send);
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // an ICMP error for an earlier pong (Windows reports them on the next receive); keep serving
            }
        }
    }

    private void ReceiveOne(byte[] receive, byte[] send)
    {
        EndPoint remote = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var length = _socket.ReceiveFrom(receive, SocketFlags.None, ref remote);
        var datagram = receive.AsSpan(0, length);
        var drop = HeartbeatDatagram.TryRead(datagram, mac: null, out var ping);
        IHeartbeatMac? mac = null;
        if (drop == HeartbeatDrop.None)
        {
            drop = ping.Kind == HeartbeatKind.Ping ? Accept(ping, datagram, out mac) : HeartbeatDrop.WrongKind;
        }

        if (drop != HeartbeatDrop.None)
        {
            Drops.Add(drop);
            return;
        }

        if (_answersPaused)
        {
            return;
        }

        // counted before the pong leaves, so whoever has the pong also sees the count
        Interlocked.Increment(ref _answered);
        var size = ping.ToPong().Write(send, mac);
        _socket.SendTo(send.AsSpan(0, size), SocketFlags.None, remote);
    }

    private HeartbeatDrop Accept(HeartbeatDatagram ping, ReadOnlySpan<byte> datagram, out IHeartbeatMac? mac)
    {
        mac = null;
        lock (_gate)
        {
            if (!_sessions.TryGetValue(ping.PeerId, out var session) || session.Token != ping.Token)
            {
                return HeartbeatDrop.UnknownSession;
            }

            if (!HeartbeatDatagram.IsSealedBy(datagram, session.Mac))
            {
                return HeartbeatDrop.BadMac;
            }

            // Only newer sequence numbers count, so a replayed or delayed datagram cannot keep a hung peer alive.
            var drop = _window.Check(session.HighestSequence, ping.Sequence);
            if (drop != HeartbeatDrop.None)
            {
                return drop;
            }

            mac = session.Mac;
            session.HighestSequence = ping.Sequence;
            session.LastSeen = _time.GetTimestamp();
            return HeartbeatDrop.None;
        }
    }

    private void ReportSilent()
    {
        try
        {
            ReportSilentPeers();
        }
        finally
        {
            Interlocked.Increment(ref _silenceChecks); // after the reports: a test that sees the count sees them
        }
    }

    private void ReportSilentPeers()
    {
        List<SilentPeer>? silent = null;
        lock (_gate)
        {
            foreach (var (peerId, session) in _sessions)
            {
                var silence = _time.GetElapsedTime(session.LastSeen);
                if (silence >= _timeout)
                {
                    (silent ??= []).Add(new SilentPeer(session.ConnectionId, peerId, silence));
                }
            }

            if (silent is null)
            {
                return;
            }

            foreach (var peer in silent)
            {
                _sessions.Remove(peer.PeerId);
            }
        }

        foreach (var peer in silent)
        {
            _onSilent(peer);
        }
    }

    /// <summary>Stops the monitor thread and closes the socket.</summary>
    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(MaxPollWait * 10);
        }

        _socket.Dispose();
    }

    private sealed class Session(long connectionId, ulong token, IHeartbeatMac mac, long lastSeen)
    {
        public long ConnectionId { get; } = connectionId;
        public ulong Token { get; } = token;
        public IHeartbeatMac Mac { get; } = mac;
        public long LastSeen { get; set; } = lastSeen;
        public ulong HighestSequence { get; set; }
    }
}
