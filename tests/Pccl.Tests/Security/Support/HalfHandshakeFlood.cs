using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Tests.Security.Support;

/// <summary>
/// Opens many connections at once that send the preamble and an authenticating hello of one kind and then fall silent,
/// stalling the handshake at the challenge-response, and records how the server treated each: answered and held open,
/// or closed unheard (no byte back).
/// </summary>
internal static class HalfHandshakeFlood
{
    /// <param name="Answered">The server answered the hello (it runs a handshake for this connection).</param>
    /// <param name="Closed">The server closed the connection within <see cref="SecureRun.Patience"/>.</param>
    /// <param name="OpenFor">From just before the connect to the close.</param>
    public sealed record Outcome(bool Answered, bool Closed, TimeSpan OpenFor);

    public static async Task<Outcome[]> RunAsync(int port, ConnectionKind kind, int connections, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        return await Task.WhenAll(Enumerable.Range(0, connections).Select(i => OneAsync(port, Opening(kind, i), clock, ct)));
    }

    private static byte[] Opening(ConnectionKind kind, int i)
    {
        var hello = ControlCodec.EncodeFrame(new Hello
        {
            Kind = kind,
            ClusterId = "pccl",
            PeerId = kind == ConnectionKind.Control ? 0 : 20_000 + (ulong)i,
            AuthEnabled = true,
        });
        var opening = new byte[Preamble.Size + hello.Length];
        Preamble.Write(opening);
        hello.CopyTo(opening, Preamble.Size);
        return opening;
    }

    private static async Task<Outcome> OneAsync(int port, byte[] opening, Stopwatch clock, CancellationToken ct)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(SecureRun.Patience);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var start = clock.Elapsed;
        var answered = false;
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), patience.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(opening, patience.Token);
            var reply = await ExactFrameIo.ReadFrameAsync(stream, patience.Token);
            answered = ControlCodec.Decode(HelloReply.Parser, reply.AsSpan(FrameParser.HeaderSize)).Accepted;
            var sink = new byte[1024];
            while (await stream.ReadAsync(sink, patience.Token) > 0)
            {
                // the server's challenge, left unanswered
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException)
        {
            // closed or reset by the server
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Outcome(answered, Closed: false, clock.Elapsed - start);
        }

        return new Outcome(answered, Closed: true, clock.Elapsed - start);
    }
}
