using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Cli.Bench.MasterScale;

/// <summary>
/// One simulated peer: a real TCP control connection to the master from its own loopback address, speaking the
/// control protocol (no auth, no TLS) and never moving tensor data. What arrives is handed to the fleet.
/// </summary>
internal sealed class SimulatedPeer : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Lock _writeGate = new();

    private SimulatedPeer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public ulong Id { get; private set; }

    public HeartbeatCredentials Credentials { get; private set; } = HeartbeatCredentials.None;

    /// <summary>
    /// Connects from <paramref name="source"/> (a distinct loopback address per peer, as distinct hosts would be), runs
    /// the hello and registers; returns once the master answered <c>Registered</c>.
    /// </summary>
    public static async Task<SimulatedPeer> JoinAsync(IPAddress source, int masterPort, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, masterPort), ct).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var peer = new SimulatedPeer(socket);
        try
        {
            var opening = new byte[Preamble.Size];
            Preamble.Write(opening);
            await peer._stream.WriteAsync(opening, ct).ConfigureAwait(false);
            await ExactFrameIo.WriteAsync(peer._stream, new Hello { Kind = ConnectionKind.Control, ClusterId = "pccl" }, ct).ConfigureAwait(false);
            var reply = ControlCodec.Decode(HelloReply.Parser, (await ExactFrameIo.ReadFrameAsync(peer._stream, ct).ConfigureAwait(false)).AsSpan(FrameParser.HeaderSize));
            if (!reply.Accepted)
            {
                throw Handshake.RefusalToException(reply, $"127.0.0.1:{masterPort}");
            }

            peer.Send(new ControlMessage { Register = new Register { P2PPort = 7118, KeepsRing = true } }); // as a library peer registers
            var registered = ControlCodec.DecodeControl((await ExactFrameIo.ReadFrameAsync(peer._stream, ct).ConfigureAwait(false)).AsSpan(FrameParser.HeaderSize));
            if (registered.BodyCase != ControlMessage.BodyOneofCase.Registered)
            {
                throw new InvalidOperationException($"the master answered the registration with {registered.BodyCase}: {registered}");
            }

            peer.Id = registered.Registered.PeerId;
            peer.Credentials = new HeartbeatCredentials(registered.Registered.HeartbeatToken, registered.Registered.HeartbeatKey);
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    /// <summary>Reads control messages until the connection closes, handing each to <paramref name="onMessage"/> on the reading thread.</summary>
    public async Task ReadAsync(Action<SimulatedPeer, ControlMessage> onMessage, CancellationToken ct)
    {
        using var reader = new FrameReader(_stream);
        try
        {
            while (await reader.ReadFrameAsync(ct).ConfigureAwait(false) is { } payload)
            {
                onMessage(this, ControlCodec.DecodeControl(payload.Span));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the bench is over, or the master went away: the fleet notices by the missing answers
        }
    }

    /// <summary>Writes one message whole; called by the driver and by the reading thread, never at once for one peer's message.</summary>
    public void Send(ControlMessage message)
    {
        var frame = ControlCodec.EncodeFrame(message);
        lock (_writeGate)
        {
            _socket.Send(frame);
        }
    }

    public void Dispose() => _stream.Dispose();
}
