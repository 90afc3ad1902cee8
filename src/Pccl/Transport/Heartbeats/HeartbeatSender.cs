using System.Net;
using System.Net.Sockets;

namespace Pccl.Transport.Heartbeats;

/// <summary>
/// A peer's side of the heartbeats: pings the master's UDP port every interval, reads the pongs to measure the round
/// trip, and reports the master lost when no pong came for the heartbeat timeout. Runs on its own thread with blocking
/// socket calls, so a busy thread pool neither delays a ping nor fakes a lost master. Pings and pongs are sealed with
/// the session's key; a pong counts only if it answers a ping sent and not answered yet, within the
/// <see cref="HeartbeatSequenceWindow"/> above the last answer taken.
/// </summary>
internal sealed class HeartbeatSender : IDisposable
{
    private static readonly TimeSpan MaxPollWait = TimeSpan.FromMilliseconds(50);

    /// <summary>At most this many queued datagrams are read before a silence check.</summary>
    private const int MaxQueuedBeforeCheck = 64;

    private readonly Socket _socket;
    private readonly EndPoint _master;
    private readonly ulong _peerId;
    private readonly ulong _token;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly Action<TimeSpan> _onMasterSilent;
    private readonly Action<TimeSpan>? _onRtt;
    private readonly IHeartbeatMac _mac;
    private readonly HeartbeatSequenceWindow _window;
    private readonly TimeProvider _time;
    private readonly Thread _thread;
    private ulong _sent;
    private ulong _highestAnswered;
    private long _answered;
    private volatile bool _stopped;
    private volatile bool _paused;

    private HeartbeatSender(Socket socket, IPEndPoint master, HeartbeatSession session, IHeartbeatMac mac, Action<TimeSpan> onMasterSilent,
        Action<TimeSpan>? onRtt, TimeProvider time)
    {
        _socket = socket;
        _master = master;
        _peerId = session.PeerId;
        _token = session.Token;
        _interval = session.Interval;
        _timeout = session.Timeout;
        _onMasterSilent = onMasterSilent;
        _onRtt = onRtt;
        _mac = mac;
        _window = HeartbeatSequenceWindow.For(session.Interval, session.Timeout);
        _time = time;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _thread = new Thread(Run) { IsBackground = true, Name = $"pccl heartbeat sender (peer {session.PeerId})" };
    }

    /// <summary>The local UDP port pings leave from and answers arrive on.</summary>
    public int Port { get; }

    /// <summary>Round-trip times measured so far.</summary>
    public RttEstimate Rtt { get; } = new();

    /// <summary>Datagrams ignored so far, by reason.</summary>
    public HeartbeatDropCounts Drops { get; } = new();

    /// <summary>Pings sent so far: the sequence number of the latest.</summary>
    public ulong PingsSent => Volatile.Read(ref _sent);

    /// <summary>Pongs taken so far.</summary>
    public long PongsReceived => Interlocked.Read(ref _answered);

    /// <summary>
    /// Starts pinging <paramref name="master"/> (the master's address, UDP port = its control port), sealing every
    /// datagram with <paramref name="mac"/> (the session's key). <paramref name="onMasterSilent"/> runs once, on the
    /// sender thread, with the silence that exceeded the timeout; the sender stops after it. <paramref name="onRtt"/>
    /// runs for each measured round trip and must be cheap.
    /// </summary>
    /// <exception cref="PcclException">No UDP socket could be opened (InvalidConfiguration).</exception>
    public static HeartbeatSender Start(IPEndPoint master, HeartbeatSession session, IHeartbeatMac mac, Action<TimeSpan> onMasterSilent,
        Action<TimeSpan>? onRtt = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(mac);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(session.Interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(session.Timeout, TimeSpan.Zero);
        var target = master.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(master.Address.MapToIPv4(), master.Port) : master;
        Socket? socket = null;
        try
        {
            socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"could not open a UDP socket for heartbeats to {master}: {e.Message}; this process must be allowed to use UDP", false, e);
        }
        catch
        {
            socket?.Dispose();
            throw;
        }

        var sender = new HeartbeatSender(socket, target, session, mac, onMasterSilent, onRtt, time ?? TimeProvider.System);
        sender._thread.Start();
        return sender;
    }

    /// <summary>Stops pinging and watching, as if the process were frozen (SIGSTOP); for tests.</summary>
    internal void Pause() => _paused = true;

    private void Run()
    {
        var buffer = new byte[2048];
        var lastAnswer = _time.GetTimestamp();
        var lastPing = long.MinValue;
        try
        {
            while (!_stopped)
            {
                if (_paused)
                {
                    Thread.Sleep(MaxPollWait);
                    continue;
                }

                if (lastPing == long.MinValue || _time.GetElapsedTime(lastPing) >= _interval)
                {
                    lastPing = _time.GetTimestamp();
                    Ping(buffer, lastPing);
                }

                // Answers that came while this thread waited for a core (a loaded host) are heard before the master is
                // judged silent; bounded, so forged datagrams cannot hold the check off. Each proves the master alive
                // when the ping it answers left, not now: an answer queued before the master died does not hide it.
                for (var i = 0; i < MaxQueuedBeforeCheck && _socket.Poll(TimeSpan.Zero, SelectMode.SelectRead); i++)
                {
                    if (ReceivePong(buffer) is { } pingSentAt)
                    {
                        lastAnswer = Math.Max(lastAnswer, pingSentAt);
                    }
                }

                var silence = _time.GetElapsedTime(lastAnswer);
                if (silence >= _timeout)
                {
                    _stopped = true;
                    _onMasterSilent(silence);
                    return;
                }

                var wait = Min(_interval - _time.GetElapsedTime(lastPing), _timeout - silence, MaxPollWait);
                if (_socket.Poll(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, SelectMode.SelectRead) && ReceivePong(buffer) is not null)
                {
                    lastAnswer = _time.GetTimestamp();
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // disposed while stopping
        }
        finally
        {
            _socket.Dispose();
        }
    }

    private void Ping(byte[] buffer, long now)
    {
        var ping = new HeartbeatDatagram(HeartbeatKind.Ping, _peerId, _token, ++_sent, now);
        var size = ping.Write(buffer, _mac);
        try
        {
            _socket.SendTo(buffer.AsSpan(0, size), SocketFlags.None, _master);
        }
        catch (SocketException)
        {
            // unreachable for now; the timeout decides whether the master is lost
        }
    }

    /// <summary>Reads one datagram; the timestamp of the ping it answers when it is a valid pong, else null.</summary>
    private long? ReceivePong(byte[] buffer)
    {
        EndPoint from = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        int length;
        try
        {
            length = _socket.ReceiveFrom(buffer, SocketFlags.None, ref from);
        }
        catch (SocketException)
        {
            return null; // an ICMP error for an earlier ping
        }

        var drop = HeartbeatDatagram.TryRead(buffer.AsSpan(0, length), _mac, out var pong);
        if (drop == HeartbeatDrop.None)
        {
            drop = Check(pong);
        }

        if (drop != HeartbeatDrop.None)
        {
            Drops.Add(drop);
            return null;
        }

        _highestAnswered = pong.Sequence;
        Interlocked.Increment(ref _answered);
        var rtt = _time.GetElapsedTime(pong.Timestamp);
        Rtt.Add(rtt);
        _onRtt?.Invoke(rtt);
        return pong.Timestamp;
    }

    private HeartbeatDrop Check(HeartbeatDatagram pong)
    {
        if (pong.Kind != HeartbeatKind.Pong)
        {
            return HeartbeatDrop.WrongKind;
        }

        if (pong.PeerId != _peerId || pong.Token != _token)
        {
            return HeartbeatDrop.UnknownSession;
        }

        // A pong answers a ping this sender sent and has not had answered yet: replays and strays carry old or unsent numbers.
        var drop = _window.Check(_highestAnswered, pong.Sequence);
        return drop == HeartbeatDrop.None && pong.Sequence > _sent ? HeartbeatDrop.TooFarAhead : drop;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b, TimeSpan c) => a < b ? (a < c ? a : c) : (b < c ? b : c);

    /// <summary>Stops pinging without waiting; the thread closes the socket within a few tens of milliseconds.</summary>
    public void Stop() => _stopped = true;

    /// <summary>Stops pinging and waits (briefly) for the thread to close the socket.</summary>
    public void Dispose()
    {
        _stopped = true;
        if (Thread.CurrentThread != _thread && _thread.IsAlive)
        {
            _thread.Join(MaxPollWait * 10);
        }
    }
}
