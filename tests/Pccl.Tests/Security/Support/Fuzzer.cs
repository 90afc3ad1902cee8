using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Tests.Security.Support;

/// <summary>
/// Throws hostile connections at a PCCL port over real TCP: random bytes, absurd frame lengths, mutated hellos,
/// garbage in place of the authentication, and (for the master, with the secret) mutated control frames after a
/// real handshake. Seeded, so a failure can be replayed.
/// </summary>
internal sealed class Fuzzer(int port, ConnectionSecurity? authenticated, int seed)
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public int Attempts { get; private set; }

    public async Task RunAsync(int connections, int parallel, ConnectionKind kind, CancellationToken ct)
    {
        var next = 0;
        var workers = Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= connections)
            {
                await OneAsync(kind, ct);
            }
        }, ct));
        await Task.WhenAll(workers);
    }

    private async Task OneAsync(ConnectionKind kind, CancellationToken ct)
    {
        int mode;
        byte[] payload;
        lock (_gate)
        {
            Attempts++;
            mode = _random.Next(authenticated is null ? 4 : 5);
            payload = mode switch
            {
                0 => RandomBytes(_random.Next(1, 4096)),
                1 => [.. Opening(), .. AbsurdFrame()],
                2 => Mutate([.. Opening(), .. ControlCodec.EncodeFrame(ValidHello(kind))]),
                3 => [.. Opening(), .. ControlCodec.EncodeFrame(ValidHello(kind, auth: true)), .. RandomBytes(_random.Next(1, 200))],
                _ => [],
            };
        }

        try
        {
            if (mode == 4)
            {
                await AuthenticatedGarbageAsync(kind, ct);
                return;
            }

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            await socket.SendAsync(payload, SocketFlags.None, ct);
            if (payload.Length % 3 == 0)
            {
                socket.LingerState = new LingerOption(true, 0); // an abrupt reset instead of a close
            }
        }
        catch (SocketException)
        {
            // the server dropped us (e.g. too many pending handshakes): that is allowed
        }
    }

    /// <summary>A real handshake with the secret, then mutated control frames or random data frames.</summary>
    private async Task AuthenticatedGarbageAsync(ConnectionKind kind, CancellationToken ct)
    {
        EstablishedConnection connection;
        try
        {
            connection = await Handshake.ConnectAsync("127.0.0.1", port, ValidHello(kind), authenticated!, TimeSpan.FromSeconds(5), ct);
        }
        catch (PcclException)
        {
            return;
        }

        await using (connection.Stream)
        {
            byte[][] frames;
            lock (_gate)
            {
                frames = [.. Enumerable.Range(0, _random.Next(1, 8)).Select(_ => Mutate(ControlCodec.EncodeFrame(ValidControl())))];
            }

            try
            {
                foreach (var frame in frames)
                {
                    await connection.Stream.WriteAsync(frame, ct);
                }
            }
            catch (IOException)
            {
                // closed on us for the garbage: expected
            }
        }

        connection.Socket.Dispose();
    }

    private static byte[] Opening()
    {
        var opening = new byte[Preamble.Size];
        Preamble.Write(opening);
        return opening;
    }

    private Hello ValidHello(ConnectionKind kind, bool auth = true) => new()
    {
        Kind = _random.Next(4) == 0 ? (ConnectionKind)_random.Next(6) : kind,
        ClusterId = "pccl",
        PeerId = kind == ConnectionKind.Control ? 0 : 10_000 + (ulong)_random.Next(1000),
        Lane = (uint)_random.Next(4),
        AuthEnabled = auth,
    };

    private ControlMessage ValidControl() => _random.Next(6) switch
    {
        0 => new ControlMessage { Register = new Register { P2PPort = (uint)_random.Next(65536), Group = (uint)_random.Next(3) } },
        1 => new ControlMessage { TopologyVote = new TopologyVote() },
        2 => new ControlMessage { PendingPeersVote = new PendingPeersVote() },
        3 => new ControlMessage { CollectiveInit = new CollectiveInit { Tag = (uint)_random.Next(4), Parameters = new CollectiveDescriptor { ElementCount = (ulong)_random.NextInt64(), DataType = DataType.F32, Op = ReduceOp.Sum } } },
        4 => new ControlMessage { CollectiveDone = new CollectiveDone { Tag = 1, Sequence = (ulong)_random.Next(100), Success = true } },
        _ => new ControlMessage { P2PConnectResult = new P2PConnectResult { WorldRevision = (ulong)_random.Next(10), Success = true } },
    };

    private byte[] AbsurdFrame()
    {
        var header = new byte[FrameParser.HeaderSize];
        var length = _random.Next(3) switch { 0 => int.MaxValue, 1 => -_random.Next(1, int.MaxValue), _ => _random.Next(65 * 1024, 64 * 1024 * 1024) };
        FrameParser.WriteHeader(header, length);
        return [.. header, .. RandomBytes(_random.Next(0, 512))];
    }

    private byte[] Mutate(byte[] valid)
    {
        var bytes = new List<byte>(valid);
        for (var n = _random.Next(1, 6); n > 0 && bytes.Count > 0; n--)
        {
            var at = _random.Next(bytes.Count);
            switch (_random.Next(4))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)_random.Next(256);
                    break;
                case 2:
                    bytes.Insert(at, (byte)_random.Next(256));
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
            }
        }

        return [.. bytes];
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }
}
