using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Security.Support;

/// <summary>
/// A control connection to the master driven by hand over real TCP: it completes the handshake, then sends and reads
/// exactly what a test tells it to, and can keep a registration alive with heartbeats while answering nothing else.
/// </summary>
internal sealed class RawControlClient : IAsyncDisposable
{
    private readonly EstablishedConnection _connection;
    private readonly FrameReader _reader;
    private readonly CancellationTokenSource _stop = new();
    private Task _heartbeats = Task.CompletedTask;

    private RawControlClient(EstablishedConnection connection)
    {
        _connection = connection;
        _reader = new FrameReader(connection.Stream);
    }

    public static async Task<RawControlClient> ConnectAsync(int masterPort, CancellationToken ct)
    {
        var hello = new Hello { Kind = ConnectionKind.Control, ClusterId = "pccl" };
        return new RawControlClient(await Handshake.ConnectAsync("127.0.0.1", masterPort, hello, ConnectionSecurity.None, TimeSpan.FromSeconds(10), ct));
    }

    public async Task SendAsync(ControlMessage message, CancellationToken ct)
    {
        await _connection.Stream.WriteAsync(ControlCodec.EncodeFrame(message), ct);
        await _connection.Stream.FlushAsync(ct);
    }

    /// <summary>The next message, or null when the master closed the connection.</summary>
    public async Task<ControlMessage?> ReceiveAsync(CancellationToken ct)
    {
        try
        {
            return await _reader.ReadFrameAsync(ct) is { } payload ? ControlCodec.DecodeControl(payload.Span) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Registers with a p2p port nobody listens on and keeps the registration alive with heartbeats; returns the peer id.</summary>
    public async Task<ulong> RegisterAndHeartbeatAsync(int masterPort, CancellationToken ct)
    {
        await SendAsync(new ControlMessage { Register = new Register { P2PPort = 1 } }, ct);
        var registered = (await ReceiveAsync(ct))?.Registered ?? throw new InvalidOperationException("the master did not answer the registration");
        var credentials = new HeartbeatCredentials(registered.HeartbeatToken, registered.HeartbeatKey);
        var mac = ConnectionSecurity.None.HeartbeatMacFor(registered.PeerId, credentials);
        _heartbeats = Task.Run(() => HeartbeatAsync(masterPort, registered.PeerId, credentials.Token, mac, _stop.Token), CancellationToken.None);
        return registered.PeerId;
    }

    /// <summary>Reads (and ignores) everything until a kick arrives; null when the connection closed without one.</summary>
    public async Task<Kick?> WaitForKickAsync(CancellationToken ct)
    {
        while (await ReceiveAsync(ct) is { } message)
        {
            if (message.BodyCase == ControlMessage.BodyOneofCase.Kick)
            {
                return message.Kick;
            }
        }

        return null;
    }

    private static async Task HeartbeatAsync(int masterPort, ulong peerId, ulong token, IHeartbeatMac mac, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var master = new IPEndPoint(IPAddress.Loopback, masterPort);
        var buffer = new byte[HeartbeatDatagram.Size];
        for (ulong sequence = 1; !ct.IsCancellationRequested; sequence++)
        {
            var ping = new HeartbeatDatagram(HeartbeatKind.Ping, peerId, token, sequence, Stopwatch.GetTimestamp());
            await socket.SendToAsync(buffer.AsMemory(0, ping.Write(buffer, mac)), SocketFlags.None, master, CancellationToken.None);
            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _heartbeats;
        _reader.Dispose();
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
