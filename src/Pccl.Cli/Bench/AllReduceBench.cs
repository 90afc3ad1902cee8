using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Processes;
using Spectre.Console;

namespace Pccl.Cli.Bench;

/// <summary>
/// <c>pccl bench allreduce</c>: a master here and N separate worker processes on loopback; per size the median,
/// min and max over iterations of the slowest peer's time, algbw = bytes / time and busbw = algbw · 2(N−1)/N.
/// Heartbeats as <see cref="LoopbackHeartbeats"/> reads them; a worker that fails ends the run with its error and exit code 1.
/// </summary>
internal static class AllReduceBench
{
    public static async Task<int> RunAsync(int peers, IReadOnlyList<long> sizes, int iterations, bool json, string? plot, QuantizationMode quantization, IReadOnlyList<string> workerFlags, CancellationToken ct,
        bool tls = false, bool auth = false, CoreBinding? binding = null)
    {
        binding ??= new CoreBinding("auto");
        using var security = BenchSecurity.Create(tls, auth);
        await using var master = await MasterNode.StartAsync(LoopbackHeartbeats.Master() with { Tls = security.Tls, Auth = security.Auth }, ct: ct);
        var sizeList = string.Join(',', sizes.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        var workers = new List<Process>();
        List<WorkerResult>? lines;
        try
        {
            for (var i = 0; i < peers; i++)
            {
                var process = SelfLauncher.Start([
                    "bench", "allreduce-worker", "--master", $"127.0.0.1:{master.Port}", "--peers", peers.ToString(CultureInfo.InvariantCulture),
                    "--sizes", sizeList, "--iterations", iterations.ToString(CultureInfo.InvariantCulture), "--quantization", quantization.ToString(), .. workerFlags, .. security.WorkerFlags()]);
                workers.Add(process);
                binding.Apply(process, i, peers);
            }

            lines = await BenchWorkerOutputs.CollectAsync(workers, "allreduce", ct);
            if (lines is null)
            {
                return 1;
            }
        }
        finally
        {
            BenchWorkerOutputs.Release(workers);
        }

        var bound = binding.Binds(peers);
        var results = sizes.Select(bytes => Summarise(peers, bytes, lines.Where(l => l.Bytes == bytes).ToList(), bound)).ToList();
        Print(results, json, bound);
        if (plot is not null)
        {
            BusBandwidthPlot.Save(results, plot);
        }

        return results.All(r => r.Correct) ? 0 : 1;
    }

    /// <summary>One size over every peer's timings: per iteration the slowest peer's time; correct when every peer passed and all hash the same.</summary>
    public static SizeResult Summarise(int peers, long bytes, List<WorkerResult> perPeer, bool bound)
    {
        var iterations = perPeer.Min(p => p.Times.Count);
        var slowest = Enumerable.Range(0, iterations).Select(i => perPeer.Max(p => p.Times[i])).Order().ToList();
        var median = slowest[slowest.Count / 2];
        var algbw = bytes / median / 1e9;
        return new SizeResult("pccl", peers, bytes, median, slowest[0], slowest[^1], algbw, algbw * 2 * (peers - 1) / peers,
            perPeer.Count == peers && perPeer.All(p => p.Correct) && perPeer.Select(p => p.Hash).Distinct().Count() == 1, bound,
            string.Join("/", perPeer.Select(p => p.Algorithm).Distinct()), perPeer.Max(p => p.MaxError), perPeer.Max(p => p.ErrorBound));
    }

    private static void Print(IReadOnlyList<SizeResult> results, bool json, bool bound)
    {
        if (json)
        {
            foreach (var r in results)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(r, BenchJson.Default.SizeResult));
            }

            return;
        }

        var placement = bound ? "one worker per core" : "unbound";
        // one algorithm for every size (the usual case) goes in the title, so the table fits 80 columns
        var algorithms = results.Select(r => r.Algorithm).Distinct().ToList();
        var schedule = algorithms.Count == 1 ? $", {algorithms[0]}" : "";
        var table = new Table().Title($"PCCL all-reduce, {results[0].Peers} peers, float32 sum{schedule}, {placement}")
            .AddColumns("size", "median ms", "min ms", "max ms", "algbw GB/s", "busbw GB/s", "correct");
        if (algorithms.Count > 1)
        {
            table.AddColumn("algorithm");
        }

        foreach (var r in results)
        {
            string[] cells = [ByteSize.Format(r.Bytes), Ms(r.MedianSeconds), Ms(r.MinSeconds), Ms(r.MaxSeconds),
                r.AlgBwGbps.ToString("0.00", CultureInfo.InvariantCulture), r.BusBwGbps.ToString("0.00", CultureInfo.InvariantCulture), r.Correct ? "yes" : "[red]NO[/]"];
            table.AddRow(algorithms.Count > 1 ? [.. cells, r.Algorithm] : cells);
        }

        AnsiConsole.Write(table);
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.00", CultureInfo.InvariantCulture);
}
