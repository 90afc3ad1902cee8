using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl.Tests.Security.Support;

/// <summary>
/// An attacker's p2p client on a peer's port, speaking the wire itself (no TLS): preamble and hello; with
/// <c>secret</c>, the challenge-response of a holder of the shared secret; when the listener challenges, an identity
/// proof signed with <c>identity</c> or, without one, 64 random bytes in its place.
/// </summary>
internal sealed class RawP2PClient : IAsyncDisposable
{
    private readonly Socket _socket;

    private RawP2PClient(Socket socket, HelloReply reply)
    {
        _socket = socket;
        Stream = new NetworkStream(socket, ownsSocket: false);
        Reply = reply;
    }

    /// <summary>The listener's last answer: accepted, or the refusal with its reason.</summary>
    public HelloReply Reply { get; }

    public NetworkStream Stream { get; }

    public static async Task<RawP2PClient> OpenAsync(int port, Hello hello, PeerIdentity? identity, CancellationToken ct, ConnectionSecurity? secret = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var helloFrame = ControlCodec.EncodeFrame(hello);
            var opening = new byte[Preamble.Size + helloFrame.Length];
            Preamble.Write(opening);
            helloFrame.CopyTo(opening, Preamble.Size);
            await stream.WriteAsync(opening, ct);

            var replyFrame = await ExactFrameIo.ReadFrameAsync(stream, ct);
            var reply = ControlCodec.Decode(HelloReply.Parser, replyFrame.AsSpan(FrameParser.HeaderSize));
            if (reply.Accepted && (secret is not null || !reply.IdentityChallenge.IsEmpty))
            {
                byte[] transcript = [.. opening, .. replyFrame];
                if (secret is not null)
                {
                    await secret.AuthenticateClientAsync(stream, transcript, ct);
                }

                if (!reply.IdentityChallenge.IsEmpty)
                {
                    var signature = identity?.Sign(transcript) ?? RandomNumberGenerator.GetBytes(64);
                    await ExactFrameIo.WriteAsync(stream, new IdentityProof { Signature = ByteString.CopyFrom(signature) }, ct);
                }

                reply = ControlCodec.Decode(HelloReply.Parser, (await ExactFrameIo.ReadFrameAsync(stream, ct)).AsSpan(FrameParser.HeaderSize));
            }

            return new RawP2PClient(socket, reply);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks for bytes [0, <paramref name="length"/>) of the key at <paramref name="keyIndex"/> and counts what comes back until the donor stops or closes.</summary>
    public async Task<long> PullAsync(uint keyIndex, long length, CancellationToken ct)
    {
        var request = new byte[StateBlockRequest.Size];
        new StateBlockRequest(keyIndex, 0, length).Write(request);
        try
        {
            await Stream.WriteAsync(request, ct);
        }
        catch (IOException)
        {
            return 0; // closed on us already
        }

        return await DrainAsync(TimeSpan.FromSeconds(5), ct);
    }

    /// <summary>Bytes received until the listener closes the connection or sends nothing for <paramref name="quiet"/>.</summary>
    public async Task<long> DrainAsync(TimeSpan quiet, CancellationToken ct)
    {
        var received = 0L;
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
                patience.CancelAfter(quiet);
                var read = await Stream.ReadAsync(buffer, patience.Token);
                if (read == 0)
                {
                    return received;
                }

                received += read;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return received; // still open, silent
        }
        catch (IOException)
        {
            return received; // reset
        }
    }

    /// <summary>True when the listener closes the connection within <paramref name="patience"/>.</summary>
    public async Task<bool> ClosedByListenerAsync(TimeSpan patience, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(patience);
        try
        {
            var sink = new byte[1024];
            while (await Stream.ReadAsync(sink, wait.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        _socket.Dispose();
    }
}
