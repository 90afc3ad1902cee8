using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Tests.Failover;

/// <summary>
/// A control listener on loopback that speaks the wire protocol from a script, with the project's codec: it reads each
/// peer's preamble and hello, answers with the reply a test gives, and then trades control messages as the test says.
/// </summary>
internal sealed class ScriptedMaster : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<NetworkStream> _streams = [];
    private int _hellos;

    private ScriptedMaster() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public MasterEndpoint Endpoint => new("127.0.0.1", Port);

    /// <summary>Hellos read so far.</summary>
    public int Hellos => Volatile.Read(ref _hellos);

    public static ScriptedMaster Start() => new();

    /// <summary>Accepts one connection, reads its preamble and hello, and answers with <paramref name="reply"/>.</summary>
    public async Task<NetworkStream> AnswerHelloAsync(HelloReply reply, CancellationToken ct)
    {
        var socket = await _listener.AcceptSocketAsync(ct);
        var stream = new NetworkStream(socket, ownsSocket: true);
        lock (_streams)
        {
            _streams.Add(stream);
        }

        await stream.ReadExactlyAsync(new byte[Preamble.Size], ct);
        ControlCodec.Decode(Hello.Parser, (await ExactFrameIo.ReadFrameAsync(stream, ct)).AsSpan(FrameParser.HeaderSize));
        Interlocked.Increment(ref _hellos);
        reply.ProtocolVersion = Preamble.CurrentVersion;
        await ExactFrameIo.WriteAsync(stream, reply, ct);
        return stream;
    }

    /// <summary>Answers one hello as a standby naming <paramref name="leader"/> (empty: no leader).</summary>
    public Task RefuseAsStandbyAsync(string leader, CancellationToken ct) =>
        AnswerHelloAsync(new HelloReply { Accepted = false, Reason = RefusalReason.Standby, LeaderAddress = leader, Message = "standby" }, ct);

    public static async Task<ControlMessage> ReadAsync(Stream stream, CancellationToken ct) =>
        ControlCodec.DecodeControl((await ExactFrameIo.ReadFrameAsync(stream, ct)).AsSpan(FrameParser.HeaderSize));

    public static async Task SendAsync(Stream stream, ControlMessage message, CancellationToken ct)
    {
        await stream.WriteAsync(ControlCodec.EncodeFrame(message), ct);
        await stream.FlushAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        NetworkStream[] streams;
        lock (_streams)
        {
            streams = [.. _streams];
        }

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }
}
