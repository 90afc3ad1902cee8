using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Cli.Bench.MasterScale;

/// <summary>
/// The heartbeats of every simulated peer from one thread and one UDP socket: each interval, one sealed ping per peer
/// (the datagrams members send), and the master's pongs drained and counted.
/// </summary>
internal sealed class SimulatedHeartbeats : IDisposable
{
    /// <summary>Parts of the interval the pings are spread over.</summary>
    private const int Slots = 10;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _master;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private readonly List<Pinger> _peers = [];
    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _pongs;

    public SimulatedHeartbeats(int masterPort, TimeSpan interval)
    {
        _master = new IPEndPoint(IPAddress.Loopback, masterPort);
        _interval = interval;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveBufferSize = 8 * 1024 * 1024;
        _thread = new Thread(Run) { IsBackground = true, Name = "simulated heartbeats" };
        _thread.Start();
    }

    /// <summary>Pongs received so far.</summary>
    public long Pongs => Interlocked.Read(ref _pongs);

    /// <summary>Starts pinging for <paramref name="peer"/> at the next interval.</summary>
    public void Add(SimulatedPeer peer)
    {
        var pinger = new Pinger(peer.Id, peer.Credentials.Token, ConnectionSecurity.None.HeartbeatMacFor(peer.Id, peer.Credentials));
        lock (_gate)
        {
            _peers.Add(pinger);
        }
    }

    private void Run()
    {
        var datagram = new byte[HeartbeatDatagram.Size];
        var receive = new byte[2048];
        var slotTicks = (long)(_interval.TotalSeconds * Stopwatch.Frequency / Slots);
        var next = Stopwatch.GetTimestamp();
        for (var slot = 0; !_stopped; slot = (slot + 1) % Slots)
        {
            Pinger[] peers;
            lock (_gate)
            {
                peers = [.. _peers];
            }

            // Real peers' pings are spread over the interval, not sent in one burst: each slot pings every Slots-th peer.
            for (var i = slot; i < peers.Length; i += Slots)
            {
                var p = peers[i];
                var size = new HeartbeatDatagram(HeartbeatKind.Ping, p.PeerId, p.Token, ++p.Sequence, Stopwatch.GetTimestamp()).Write(datagram, p.Mac);
                _socket.SendTo(datagram.AsSpan(0, size), SocketFlags.None, _master);
            }

            next += slotTicks;
            while (!_stopped && Stopwatch.GetTimestamp() < next)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (_socket.Poll(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, SelectMode.SelectRead))
                {
                    while (_socket.Available > 0)
                    {
                        _socket.Receive(receive);
                        Interlocked.Increment(ref _pongs);
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join(TimeSpan.FromSeconds(1));
        _socket.Dispose();
    }

    private sealed class Pinger(ulong peerId, ulong token, IHeartbeatMac mac)
    {
        public ulong PeerId { get; } = peerId;
        public ulong Token { get; } = token;
        public IHeartbeatMac Mac { get; } = mac;
        public ulong Sequence { get; set; }
    }
}
