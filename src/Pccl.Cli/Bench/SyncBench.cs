using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pccl.Cli.Processes;
using Spectre.Console;

namespace Pccl.Cli.Bench;

/// <summary>
/// <c>pccl bench sync</c>: the cost of syncing an identical shared state (0 bytes moved: about one hash pass), and a
/// late joiner's time to receive the whole state from 1, 2 and 3 donors (median of the iterations; every peer's hash
/// pass is in it, and all peers share this machine's cores; the same round with nothing to move is measured too, so the
/// transfer's own rate shows). Peers run in this process over loopback TCP.
/// </summary>
internal static class SyncBench
{
    public static async Task<int> RunAsync(long bytes, int maxDonors, int iterations, bool json, CancellationToken ct, int tensors = 1)
    {
        var content = new byte[bytes];
        new Random(11).NextBytes(content);
        var hashGbps = MeasureHash([content], iterations);
        var results = new List<JoinerResult>();
        double identicalMs = 0;
        double aloneMs = 0;
        double concurrentHashGbps = 0;
        var identicalPeers = 0;
        for (var donors = 1; donors <= maxDonors; donors++)
        {
            await using var master = await MasterNode.StartAsync(LoopbackHeartbeats.Master(), ct: ct);
            var options = CommunicatorOptions.Default with { MasterPort = master.Port, P2PBindAddress = "127.0.0.1" };
            var peers = new List<(Communicator Peer, SharedState State)>();
            try
            {
                var copies = new List<byte[]>();
                for (var d = 0; d < donors; d++)
                {
                    copies.Add((byte[])content.Clone());
                    peers.Add(await JoinAsync(options, peers.Select(p => p.Peer).ToList(), copies[^1], tensors, ct));
                }

                if (donors == 1)
                {
                    // A group of one still runs the whole round (hash pass, master's election, 0 bytes): what a peer on a
                    // machine of its own pays, with no other peer's hashing in this machine's memory.
                    aloneMs = await MeasureIdenticalAsync(peers, iterations, ct);
                }

                if (donors == Math.Min(2, maxDonors))
                {
                    identicalMs = await MeasureIdenticalAsync(peers, iterations, ct);

                    // The round's peers share this machine's memory bandwidth: the same passes by bare XxHash3, all at once.
                    concurrentHashGbps = MeasureHash(copies, iterations);
                    identicalPeers = peers.Count;
                }

                // A joiner's tensors exist already (initialised weights): touch them, or the benchmark would time page faults.
                var stale = GC.AllocateUninitializedArray<byte>((int)bytes);
                Array.Fill(stale, (byte)0xA5);
                var joiner = await JoinAsync(options, peers.Select(p => p.Peer).ToList(), stale, tensors, ct);
                peers.Add(joiner);
                var joined = await MeasureJoinerAsync(peers, stale, iterations, ct);

                // The same round with nothing to move (every peer's hash pass, the master's round trips): what the transfer adds is the rest.
                var baseMs = await MeasureIdenticalAsync(peers, iterations, ct);
                var transferSeconds = (joined.Milliseconds - baseMs) / 1000;
                results.Add(joined with { BaseMs = baseMs, TransferGbps = transferSeconds > 0 ? joined.BytesReceived / transferSeconds / 1e9 : null });
            }
            finally
            {
                foreach (var (peer, _) in peers)
                {
                    await peer.DisposeAsync();
                }
            }
        }

        var report = new SyncReport(bytes, identicalMs, hashGbps, bytes / (identicalMs / 1000) / 1e9, results)
        {
            IdenticalPeers = identicalPeers,
            ConcurrentHashGbps = concurrentHashGbps,
            IdenticalAloneMs = aloneMs,
        };
        Print(report, json);
        return 0;
    }

    private static async Task<(Communicator, SharedState)> JoinAsync(CommunicatorOptions options, List<Communicator> existing, byte[] content, int tensors, CancellationToken ct)
    {
        var joining = Communicator.ConnectAsync(options, ct: ct);
        if (existing.Count > 0)
        {
            while (!(await Task.WhenAll(existing.Select(p => p.ArePeersPendingAsync(ct)))).All(x => x))
            {
                await Task.Delay(5, ct);
            }

            await Task.WhenAll(existing.Select(p => p.UpdateTopologyAsync(ct)));
        }

        var peer = await joining;
        var state = new SharedState(Split(content, tensors));
        return (peer, state);
    }

    /// <summary>The state as <paramref name="tensors"/> consecutive tensors of (nearly) equal size.</summary>
    private static SharedStateEntry[] Split(byte[] content, int tensors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tensors, 1);
        var size = content.Length / tensors;
        return [.. Enumerable.Range(0, tensors).Select(t =>
        {
            var start = t * size;
            var length = t == tensors - 1 ? content.Length - start : size;
            return SharedStateEntry.Create($"tensor{t:D5}", content.AsMemory(start, length));
        })];
    }

    /// <summary>
    /// The joiner (last peer) receives the whole state: first as a newcomer (outdated), then, made stale again between
    /// runs, as a receive-only peer; the median of <paramref name="iterations"/> runs.
    /// </summary>
    private static async Task<JoinerResult> MeasureJoinerAsync(List<(Communicator Peer, SharedState State)> peers, byte[] stale, int iterations, CancellationToken ct)
    {
        var runs = new List<(double Seconds, ulong Received)>();
        for (var i = 0; i < Math.Max(1, iterations); i++)
        {
            if (i > 0)
            {
                Array.Fill(stale, (byte)0xA5);
            }

            var revision = peers[0].State.Revision + 1;
            var clock = Stopwatch.StartNew();
            var infos = await Task.WhenAll(peers.Select((p, n) =>
            {
                p.State.Revision = revision;
                var strategy = n == peers.Count - 1 && i > 0 ? SharedStateSyncStrategy.ReceiveOnly : SharedStateSyncStrategy.EnforcePopular;
                return p.Peer.SyncSharedStateAsync(p.State, strategy, ct);
            }));
            runs.Add((clock.Elapsed.TotalSeconds, infos[^1].RxBytes));
        }

        var (seconds, received) = runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);
        return new JoinerResult(peers.Count - 1, received, seconds * 1000, received / seconds / 1e9);
    }

    private static async Task<double> MeasureIdenticalAsync(List<(Communicator Peer, SharedState State)> peers, int iterations, CancellationToken ct)
    {
        var times = new List<double>();
        for (var i = 0; i < iterations + 1; i++)
        {
            var revision = peers[0].State.Revision + 1;
            var clock = Stopwatch.StartNew();
            var infos = await Task.WhenAll(peers.Select(p => { p.State.Revision = revision; return p.Peer.SyncSharedStateAsync(p.State, ct: ct); }));
            if (infos.Any(x => x.RxBytes + x.TxBytes != 0))
            {
                throw new InvalidOperationException("identical state moved bytes");
            }

            if (i > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return Statistics.Median(times);
    }

    /// <summary>Per-buffer rate of single-pass XxHash3 over <paramref name="buffers"/>, one thread each, all at once (median).</summary>
    private static double MeasureHash(IReadOnlyList<byte[]> buffers, int iterations)
    {
        var times = new List<double>();
        for (var i = 0; i < iterations + 1; i++)
        {
            var clock = Stopwatch.StartNew();
            if (buffers.Count == 1)
            {
                _ = XxHash3.HashToUInt64(buffers[0]);
            }
            else
            {
                Parallel.ForEach(buffers, new ParallelOptions { MaxDegreeOfParallelism = buffers.Count }, b => XxHash3.HashToUInt64(b));
            }

            times.Add(clock.Elapsed.TotalSeconds);
        }

        return buffers[0].Length / times.Skip(1).Order().ElementAt(times.Count / 2 - 1) / 1e9;
    }

    private static void Print(SyncReport report, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, SyncBenchJson.Default.SyncReport));
            return;
        }

        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "identical state of {0}: [bold]{1:0.0} ms[/] ({2:0.00} GB/s; single-pass XxHash3 here: {3:0.00} GB/s, ratio {4:0.00})",
            ByteSize.Format(report.Bytes), report.IdenticalMs, report.IdenticalGbps, report.HashGbps, report.IdenticalGbps / report.HashGbps);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "  the round's {0} peers share this machine: {0} single passes at once run at {1:0.00} GB/s each, ratio {2:0.00}",
            report.IdenticalPeers, report.ConcurrentHashGbps, report.IdenticalGbps / report.ConcurrentHashGbps);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "  one peer alone (as on a machine of its own): {0:0.0} ms, ratio {1:0.00} to single-pass XxHash3",
            report.IdenticalAloneMs, report.Bytes / (report.IdenticalAloneMs / 1000) / 1e9 / report.HashGbps);
        var table = new Table().Title("late joiner receiving the whole state").AddColumns(
            "donors", "bytes received", "ms", "GB/s", "same round, 0 bytes: ms", "transfer alone: GB/s");
        foreach (var j in report.Joiner)
        {
            table.AddRow(j.Donors.ToString(CultureInfo.InvariantCulture), j.BytesReceived.ToString(CultureInfo.InvariantCulture),
                j.Milliseconds.ToString("0.0", CultureInfo.InvariantCulture), j.Gbps.ToString("0.00", CultureInfo.InvariantCulture),
                j.BaseMs.ToString("0.0", CultureInfo.InvariantCulture), j.TransferGbps?.ToString("0.00", CultureInfo.InvariantCulture) ?? "n/a");
        }

        AnsiConsole.Write(table);
    }
}

internal sealed record JoinerResult(
    [property: JsonPropertyName("donors")] int Donors,
    [property: JsonPropertyName("bytes_received")] ulong BytesReceived,
    [property: JsonPropertyName("ms")] double Milliseconds,
    [property: JsonPropertyName("gbps")] double Gbps)
{
    /// <summary>Median time of the same peers' round when nothing moves: every peer's hash pass (all in this process) and the master's round trips.</summary>
    [JsonPropertyName("base_ms")]
    public double BaseMs { get; init; }

    /// <summary>
    /// Bytes over the time the joiner's round takes beyond <see cref="BaseMs"/>: the transfer with its verification;
    /// null when the noise of a small state left no time beyond it (JSON has no NaN).
    /// </summary>
    [JsonPropertyName("transfer_gbps")]
    public double? TransferGbps { get; init; }
}

internal sealed record SyncReport(
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("identical_ms")] double IdenticalMs,
    [property: JsonPropertyName("hash_gbps")] double HashGbps,
    [property: JsonPropertyName("identical_gbps")] double IdenticalGbps,
    [property: JsonPropertyName("joiner")] List<JoinerResult> Joiner)
{
    /// <summary>Peers in the identical round (all in this process).</summary>
    [JsonPropertyName("identical_peers")]
    public int IdenticalPeers { get; init; }

    /// <summary>Per-buffer rate of as many single XxHash3 passes as the round has peers, run at once: what this machine's memory gives the round's hashing.</summary>
    [JsonPropertyName("concurrent_hash_gbps")]
    public double ConcurrentHashGbps { get; init; }

    /// <summary>
    /// Median identical round of a group of one peer: its (parallel) hash pass and the master's round trips, with no
    /// other peer hashing in this machine's memory — what each peer pays when the peers run on machines of their own.
    /// </summary>
    [JsonPropertyName("identical_alone_ms")]
    public double IdenticalAloneMs { get; init; }
}

[JsonSerializable(typeof(SyncReport))]
internal sealed partial class SyncBenchJson : JsonSerializerContext;
