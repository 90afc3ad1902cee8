using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Wan;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// <c>pccl bench wan</c>: builds an emulated wide-area network (<see cref="WanNetwork"/>), starts a master in the first
/// datacentre and the peers in the join order asked (each waits until the previous one has its id, so ids, and the
/// id-ordered ring, follow that order), runs the all-reduce bench's workers there, tears everything down and prints
/// one result per size (<see cref="WanResult"/>).
/// </summary>
internal static class WanBench
{
    public static async Task<int> RunAsync(WanLayout layout, PathShape shape, string joinOrder, WanRunOptions run, IReadOnlyList<long> sizes, int iterations, int warmup, bool json, CancellationToken ct)
    {
        var order = JoinOrder.Of(joinOrder, layout);
        using var network = WanNetwork.Create(layout.Sites, shape.Validated());
        var environment = Heartbeats(shape);
        using var master = await WanMaster.StartAsync(network, environment, ct);
        var workers = new List<Process>();
        var labels = new Dictionary<ulong, string>();
        List<WorkerResult>? lines;
        try
        {
            foreach (var peer in order)
            {
                var site = layout.SiteOf(peer);
                var process = network.Start(site, [
                    "bench", "wan-worker", "--master", WanMaster.Endpoint, "--peers", Invariant(layout.Peers),
                    "--sizes", string.Join(',', sizes.Select(Invariant)), "--iterations", Invariant(iterations), "--warmup", Invariant(warmup),
                    "--region", layout.LabelOf(peer), "--address", WanLayout.AddressOf(site), "--counters", network.CountersPath, .. run.ToFlags()], environment);
                workers.Add(process);
                labels[await JoinedAsync(process, master, ct)] = layout.LabelOf(peer);
            }

            lines = await BenchWorkerOutputs.CollectAsync(workers, "wan", ct);
            if (lines is null)
            {
                return 1;
            }
        }
        finally
        {
            BenchWorkerOutputs.Release(workers);
        }

        var results = sizes.Select(bytes => Summarise(layout, shape, joinOrder, run, bytes, lines.Where(l => l.Bytes == bytes).ToList(), labels)).ToList();
        foreach (var r in results)
        {
            Console.Out.WriteLine(json
                ? JsonSerializer.Serialize(r, WanJson.Default.WanResult)
                : string.Create(CultureInfo.InvariantCulture,
                    $"{ByteSize.Format(r.Bytes)}: {r.MedianSeconds * 1000:0.0} ms, busbw {r.BusBwGbps:0.000} GB/s, path {r.PathUtilization:P0} used, ring {string.Join(' ', r.Ring)}, {r.Algorithm}{(r.Correct ? "" : ", WRONG RESULT")}"));
        }

        return results.All(r => r.Correct) ? 0 : 1;
    }

    /// <summary>
    /// Heartbeats ride the emulated path too, behind up to a round trip of queue: the timeout is generous (at least
    /// 5 s, 20 round trips) unless <c>PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS</c> is set.
    /// </summary>
    private static Dictionary<string, string> Heartbeats(PathShape shape)
    {
        const string Variable = "PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS";
        return new Dictionary<string, string>
        {
            [Variable] = Environment.GetEnvironmentVariable(Variable) ?? Invariant((int)Math.Max(5000, shape.RttMs * 20)),
        };
    }

    private static async Task<ulong> JoinedAsync(Process worker, WanMaster master, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (await worker.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith(AllReduceBenchWorker.JoinedLine, StringComparison.Ordinal))
                {
                    return ulong.Parse(line.AsSpan(AllReduceBenchWorker.JoinedLine.Length), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }

        var errors = worker.HasExited ? await worker.StandardError.ReadToEndAsync(ct) : "no answer in 60 s";
        throw new PcclException(PcclErrorCode.InvalidArgument, $"a bench wan worker did not join: {errors.Trim()}; master log: {master.Log}");
    }

    private static WanResult Summarise(WanLayout layout, PathShape shape, string joinOrder, WanRunOptions run, long bytes, List<WorkerResult> perPeer, Dictionary<ulong, string> labels)
    {
        var size = AllReduceBench.Summarise(layout.Peers, bytes, perPeer, bound: false);
        var iterations = perPeer.Min(p => p.Times.Count);
        var seconds = Enumerable.Range(0, iterations).Select(i => perPeer.Max(p => p.Times[i])).ToList();
        var perIteration = shape.RateMbit <= 0 ? [] : Enumerable.Range(0, iterations)
            .Select(i => perPeer.Max(p => p.PathBytes?[i] ?? 0) * 8 / seconds[i] / (shape.RateMbit * 1e6))
            .ToList();
        var utilization = perIteration.Count == 0 ? 0 : perIteration.Order().ElementAt(iterations / 2);
        var ring = perPeer[0].Ring.Select(id => labels.GetValueOrDefault(id, "?")).ToList();
        return new WanResult(layout.Peers, layout.Text, joinOrder, bytes, shape.RttMs, shape.RateMbit, size.Algorithm, run.ConnectionsPerPeer, ring,
            size.MedianSeconds, size.BusBwGbps, utilization, size.Correct, run.OptimizeTopology)
        {
            IterationSeconds = seconds.Select(s => Math.Round(s, 4)).ToList(),
            PathUtilizationPerIteration = perIteration.Select(u => Math.Round(u, 3)).ToList(),
        };
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
