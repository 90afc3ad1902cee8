using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl.Tests.Security.Support;

/// <summary>
/// Throws hostile connections at a PCCL port over real TCP: random bytes, absurd frame lengths, mutated hellos and
/// garbage in place of the authentication. With the secret, every fifth connection completes a real handshake and then
/// sends hostile frames: mutated control frames to the master, mutated data frames and state block requests to a peer.
/// A peer admits p2p connections only from members proving their identity, so those sessions speak as
/// <paramref name="member"/>. Seeded, so a failure can be replayed.
/// </summary>
internal sealed class Fuzzer(int port, ConnectionSecurity? authenticated, int seed, Fuzzer.Member? member = null)
{
    /// <summary>A member of the run the fuzzer speaks as on a peer's p2p port: its id, its identity, and the target peer's id.</summary>
    public sealed record Member(ulong PeerId, PeerIdentity Identity, ulong TargetPeerId);

    private const int AuthenticatedEvery = 5;

    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<string> _authenticationFailures = new();
    private int _attempts;
    private int _authenticatedAttempts;
    private int _authenticatedSessions;
    private int _postAuthFrames;
    private int _garbageSources;

    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Connections that tried a real handshake with the secret.</summary>
    public int AuthenticatedAttempts => Volatile.Read(ref _authenticatedAttempts);

    /// <summary>Connections the target authenticated and admitted.</summary>
    public int AuthenticatedSessions => Volatile.Read(ref _authenticatedSessions);

    /// <summary>Hostile frames written whole into authenticated sessions.</summary>
    public int PostAuthFrames => Volatile.Read(ref _postAuthFrames);

    /// <summary>Why authenticated handshakes failed.</summary>
    public IReadOnlyCollection<string> AuthenticationFailures => _authenticationFailures;

    /// <param name="kinds">The connection kinds the target admits; hellos name one of them (or, mutated, any kind).</param>
    public async Task RunAsync(int connections, int parallel, IReadOnlyList<ConnectionKind> kinds, CancellationToken ct)
    {
        var next = 0;
        var workers = Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            for (int n; (n = Interlocked.Increment(ref next)) <= connections;)
            {
                Interlocked.Increment(ref _attempts);
                if (authenticated is not null && n % AuthenticatedEvery == 0)
                {
                    await AuthenticatedGarbageAsync(authenticated, kinds, ct);
                }
                else
                {
                    await UnauthenticatedAsync(kinds, ct);
                }
            }
        }, ct));
        await Task.WhenAll(workers);
    }

    /// <summary>
    /// Garbage comes from 127.0.0.2..127.0.0.17 in turn, the authenticated sessions from 127.0.0.1: a listener frees a
    /// garbage connection's handshake slot only once it has read the garbage, so garbage from the sessions' own address
    /// would fill that address's per-source handshake limit and turn the sessions away, which is the limit working, not
    /// what this fuzzer tests.
    /// </summary>
    private IPAddress NextGarbageSource() => new([127, 0, 0, (byte)(2 + (Interlocked.Increment(ref _garbageSources) % 16))]);

    private async Task UnauthenticatedAsync(IReadOnlyList<ConnectionKind> kinds, CancellationToken ct)
    {
        byte[] payload;
        lock (_gate)
        {
            var kind = kinds[_random.Next(kinds.Count)];
            payload = _random.Next(4) switch
            {
                0 => RandomBytes(_random.Next(1, 4096)),
                1 => [.. Opening(), .. AbsurdFrame()],
                2 => Mutate([.. Opening(), .. ControlCodec.EncodeFrame(AnyHello(kind))]),
                _ => [.. Opening(), .. ControlCodec.EncodeFrame(AnyHello(kind)), .. RandomBytes(_random.Next(1, 200))],
            };
        }

        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(NextGarbageSource(), 0));
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

    /// <summary>A real handshake with the secret, then hostile frames of the connection's kind.</summary>
    private async Task AuthenticatedGarbageAsync(ConnectionSecurity security, IReadOnlyList<ConnectionKind> kinds, CancellationToken ct)
    {
        Hello hello;
        lock (_gate)
        {
            hello = AdmissibleHello(kinds[_random.Next(kinds.Count)]);
        }

        Interlocked.Increment(ref _authenticatedAttempts);
        EstablishedConnection connection;
        try
        {
            connection = await Handshake.ConnectAsync("127.0.0.1", port, hello, security, TimeSpan.FromSeconds(5), ct, member?.Identity);
        }
        catch (PcclException e)
        {
            _authenticationFailures.Enqueue($"{hello.Kind}: {e.Message}");
            return;
        }

        Interlocked.Increment(ref _authenticatedSessions);
        await using (connection)
        {
            byte[][] frames;
            lock (_gate)
            {
                frames = [HostileFrame(hello.Kind), .. Enumerable.Range(0, _random.Next(7)).Select(_ => Mutate(HostileFrame(hello.Kind))).Where(f => f.Length > 0)];
            }

            try
            {
                foreach (var frame in frames)
                {
                    await connection.Stream.WriteAsync(frame, ct);
                    Interlocked.Increment(ref _postAuthFrames);
                }
            }
            catch (IOException)
            {
                // closed on us for the garbage: expected
            }
        }
    }

    private static byte[] Opening()
    {
        var opening = new byte[Preamble.Size];
        Preamble.Write(opening);
        return opening;
    }

    /// <summary>A hello the target admits once the handshake is authenticated (and, on a p2p port, the identity proven).</summary>
    private Hello AdmissibleHello(ConnectionKind kind) => new()
    {
        Kind = kind,
        ClusterId = "pccl",
        PeerId = kind == ConnectionKind.Control ? 0 : member?.PeerId ?? 10_000 + (ulong)_random.Next(1000),
        TargetPeerId = member?.TargetPeerId ?? 0,
        // Lanes the run never uses: a ring connection on a lane in use, in a member's name, would displace its real link (a member is trusted).
        Lane = 1000 + (uint)_random.Next(4),
        // Within the window any peer admits: farther ahead a ring hello is refused before its frames are sent.
        Sequence = (ulong)_random.Next((int)P2PGatekeeper.SequenceWindow + 1),
        AuthEnabled = true,
    };

    private Hello AnyHello(ConnectionKind kind)
    {
        var hello = AdmissibleHello(kind);
        if (_random.Next(4) == 0)
        {
            hello.Kind = (ConnectionKind)_random.Next(6);
        }

        return hello;
    }

    private byte[] HostileFrame(ConnectionKind kind)
    {
        switch (kind)
        {
            case ConnectionKind.Control:
                return ControlCodec.EncodeFrame(ValidControl());
            case ConnectionKind.State:
                var request = new byte[StateBlockRequest.Size];
                new StateBlockRequest((uint)_random.Next(4), _random.NextInt64(), _random.NextInt64()).Write(request);
                return request;
            default:
                var header = new byte[DataFrameHeader.Size];
                var length = _random.Next(0, 4096);
                new DataFrameHeader((DataFrameKind)_random.Next(1, 5), 0, (uint)_random.Next(4), (ulong)_random.Next(100), (uint)_random.Next(16), length).Write(header);
                return [.. header, .. RandomBytes(length)];
        }
    }

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
