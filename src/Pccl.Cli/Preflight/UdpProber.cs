using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pccl.Transport.Heartbeats;

namespace Pccl.Cli.Preflight;

/// <summary>
/// Sends heartbeat pings of a preflight probe session to the master's UDP port at a fixed pace and times each pong.
/// The datagrams are the members' own (sealed with the session's key), so what passes here passes for a member's
/// heartbeats.
/// </summary>
internal static class UdpProber
{
    public const int Probes = 100;

    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(10);

    /// <summary>How long answers are awaited after the last probe leaves.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(500);

    public static UdpProbeResult Run(IPEndPoint master, ulong probeId, ulong token, IHeartbeatMac mac, CancellationToken ct)
    {
        using var socket = new Socket(master.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(master);
        var sentAt = new long[Probes + 1];
        var rtts = new double?[Probes + 1];
        var buffer = new byte[HeartbeatDatagram.Size];
        var receive = new byte[2048];
        var clock = Stopwatch.StartNew();
        var sent = 0;
        var end = TimeSpan.MaxValue;
        while (clock.Elapsed < end && !ct.IsCancellationRequested)
        {
            if (sent < Probes && clock.Elapsed >= Spacing * sent)
            {
                sent++;
                sentAt[sent] = Stopwatch.GetTimestamp();
                var size = new HeartbeatDatagram(HeartbeatKind.Ping, probeId, token, (ulong)sent, sentAt[sent]).Write(buffer, mac);
                TrySend(socket, buffer.AsSpan(0, size));
                if (sent == Probes)
                {
                    end = clock.Elapsed + Linger;
                }
            }

            var wait = sent < Probes ? Spacing * sent - clock.Elapsed : end - clock.Elapsed;
            if (socket.Poll(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, SelectMode.SelectRead))
            {
                Receive(socket, receive, probeId, token, mac, sent, sentAt, rtts);
            }
        }

        return new UdpProbeResult(sent, [.. rtts.Where(r => r.HasValue).Select(r => r!.Value)]);
    }

    private static void TrySend(Socket socket, ReadOnlySpan<byte> datagram)
    {
        try
        {
            socket.Send(datagram);
        }
        catch (SocketException)
        {
            // an ICMP "unreachable" for an earlier probe; this one counts as lost if it is
        }
    }

    private static void Receive(Socket socket, byte[] receive, ulong probeId, ulong token, IHeartbeatMac mac, int sent, long[] sentAt, double?[] rtts)
    {
        int length;
        try
        {
            length = socket.Receive(receive);
        }
        catch (SocketException)
        {
            return; // ICMP port unreachable: nothing listens there
        }

        var now = Stopwatch.GetTimestamp();
        if (HeartbeatDatagram.TryRead(receive.AsSpan(0, length), mac, out var pong) == HeartbeatDrop.None
            && pong is { Kind: HeartbeatKind.Pong } && pong.PeerId == probeId && pong.Token == token
            && pong.Sequence is >= 1 and var sequence && sequence <= (ulong)sent && rtts[sequence] is null && pong.Timestamp == sentAt[sequence])
        {
            rtts[sequence] = Stopwatch.GetElapsedTime(sentAt[sequence], now).TotalMilliseconds;
        }
    }
}
