using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pccl.Cli.Wan;
using Pccl.Transport;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// <c>pccl bench wan-check</c>: the emulator against itself. Two sites joined by one shaped path; the round trip is the
/// fastest of one-byte echoes over a TCP connection (microseconds) and of ICMP echoes (<c>ping_ms</c>, whole
/// milliseconds: .NET's ping over a raw socket, opened inside the site's namespace), neither behind any queue; the rate is a bulk transfer over <c>--streams</c> TCP connections, timed at the receiver from a fifth of the bytes
/// to four fifths, so neither slow start nor the tail where the first streams have finished and fewer carry the rest
/// counts. The connections get the socket buffers PCCL's own get (<see cref="SocketTuning"/>): with the kernel's
/// autotuned send buffer (at most 4 MiB by default) each stream keeps barely a quarter of a 100 ms, 1 Gbit/s path's
/// bytes in flight, and the check would measure that limit instead of the path.
/// </summary>
internal static class WanSelfCheck
{
    private const int Port = 5201;
    private const int Echoes = 21;

    public static async Task<int> RunAsync(PathShape shape, double seconds, int streams, bool json, CancellationToken ct)
    {
        if (streams < 1)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"--streams must be 1 or more, not {streams}");
        }

        using var network = WanNetwork.Create(2, shape.Validated());
        var far = new IPEndPoint(IPAddress.Parse(WanLayout.AddressOf(1)), Port);
        using var listener = NamespaceThread.Run(network.Namespaces[1], () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            SocketTuning.Apply(socket); // before listen: accepted connections take its receive buffer and window scale
            socket.Bind(far);
            socket.Listen(streams);
            return socket;
        });
        var pairs = new List<(Socket Near, Socket Far)>();
        try
        {
            for (var i = 0; i < streams; i++)
            {
                var near = NamespaceThread.Run(network.Namespaces[0], () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                SocketTuning.Apply(near);
                await near.ConnectAsync(far, ct);
                var accepted = await listener.AcceptAsync(ct);
                SocketTuning.Apply(accepted);
                pairs.Add((near, accepted));
            }

            var echoes = await RoundTripsAsync(pairs[0].Near, pairs[0].Far, ct);
            var ping = NamespaceThread.Run(network.Namespaces[0], () => Ping(far.Address));
            var bytesPerStream = (long)(shape.RateMbit > 0 ? shape.RateMbit * 1e6 / 8 * seconds / streams : 1L << 30);
            var mbit = await BulkAsync(pairs, bytesPerStream, ct);
            var result = new WanCheckResult(shape.RttMs, echoes[0].TotalMilliseconds, echoes[echoes.Count / 2].TotalMilliseconds, ping, shape.RateMbit, mbit, streams, bytesPerStream * streams);
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(result, WanJson.Default.WanCheckResult));
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round trip {result.RttMs:0.00} ms, median {result.RttMedianMs:0.00} ms, ping {result.PingMs} ms (configured {shape.RttMs} ms); {streams} stream(s): {mbit:0.0} Mbit/s (configured {shape.RateMbit} Mbit/s)"));
            }

            return 0;
        }
        finally
        {
            foreach (var (near, farEnd) in pairs)
            {
                near.Dispose();
                farEnd.Dispose();
            }
        }
    }

    /// <summary>The echo times, fastest first.</summary>
    private static async Task<List<TimeSpan>> RoundTripsAsync(Socket near, Socket far, CancellationToken ct)
    {
        var echo = Task.Run(async () =>
        {
            var b = new byte[1];
            for (var i = 0; i < Echoes; i++)
            {
                await far.ReceiveAsync(b, ct);
                await far.SendAsync(b, ct);
            }
        }, ct);
        var one = new byte[1];
        var times = new List<TimeSpan>();
        for (var i = 0; i < Echoes; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await near.SendAsync(one, ct);
            await near.ReceiveAsync(one, ct);
            times.Add(Stopwatch.GetElapsedTime(start));
        }

        await echo;
        return [.. times.Order()];
    }

    /// <summary>Fastest ICMP echo time; the socket is opened on the calling thread, so in its namespace.</summary>
    private static double Ping(IPAddress address)
    {
        using var ping = new System.Net.NetworkInformation.Ping();
        var times = new List<long>();
        for (var i = 0; i < Echoes; i++)
        {
            var reply = ping.Send(address, 5000);
            times.Add(reply.Status == System.Net.NetworkInformation.IPStatus.Success
                ? reply.RoundtripTime
                : throw new PcclException(PcclErrorCode.InvalidArgument, $"ping {address} through the emulated path: {reply.Status}"));
        }

        return times.Min();
    }

    /// <summary>Mbit/s of payload the receivers got from the first fifth of the bytes to four fifths.</summary>
    private static async Task<double> BulkAsync(List<(Socket Near, Socket Far)> pairs, long bytesPerStream, CancellationToken ct)
    {
        var total = bytesPerStream * pairs.Count;
        var received = 0L;
        var markAt = 0L;
        var mark = 0L;
        var endAt = 0L;
        var end = 0L;
        var senders = pairs.Select(p => Task.Run(async () =>
        {
            var block = new byte[1 << 20];
            for (var sent = 0L; sent < bytesPerStream; sent += block.Length)
            {
                await p.Near.SendAsync(block.AsMemory(0, (int)Math.Min(block.Length, bytesPerStream - sent)), ct);
            }
        }, ct)).ToList();
        var receivers = pairs.Select(p => Task.Run(async () =>
        {
            var block = new byte[1 << 20];
            for (var got = 0L; got < bytesPerStream;)
            {
                var n = await p.Far.ReceiveAsync(block, ct);
                if (n == 0)
                {
                    throw new IOException("the bulk transfer's connection closed early");
                }

                got += n;
                var now = Interlocked.Add(ref received, n);
                if (now >= total / 5 && Interlocked.CompareExchange(ref markAt, Stopwatch.GetTimestamp(), 0) == 0)
                {
                    Interlocked.Exchange(ref mark, now);
                }

                if (now >= total / 5 * 4 && Interlocked.CompareExchange(ref endAt, Stopwatch.GetTimestamp(), 0) == 0)
                {
                    Interlocked.Exchange(ref end, now);
                }
            }
        }, ct)).ToList();
        await Task.WhenAll(senders.Concat(receivers));
        var seconds = Stopwatch.GetElapsedTime(markAt, endAt).TotalSeconds;
        return (end - mark) * 8 / seconds / 1e6;
    }
}
