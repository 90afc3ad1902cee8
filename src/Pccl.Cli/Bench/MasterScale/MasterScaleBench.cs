using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Net;
using Pccl.Cli.Processes;
using Spectre.Console;

namespace Pccl.Cli.Bench.MasterScale;

/// <summary>
/// <c>pccl bench master-scale</c>: a real master (a child process, so its CPU and memory can be read) against many
/// simulated peers in this process: real TCP control connections and UDP heartbeats at the configured interval, a join
/// storm, then pending-peers votes, collective rounds and shared-state hash rounds, at each peer count.
/// </summary>
internal static class MasterScaleBench
{
    /// <summary>The quiet window over which the master's CPU with every peer heartbeating is measured.</summary>
    private static readonly TimeSpan HeartbeatWindow = TimeSpan.FromSeconds(5);

    private const int WarmupRounds = 5;

    public static async Task<int> RunAsync(IReadOnlyList<int> peerCounts, int rounds, int heartbeatIntervalMs, int heartbeatTimeoutMs, bool json, string? plot, CancellationToken ct)
    {
        var results = new List<MasterScaleResult>();
        foreach (var peers in peerCounts)
        {
            var result = await MeasureAsync(peers, rounds, heartbeatIntervalMs, heartbeatTimeoutMs, ct).ConfigureAwait(false);
            results.Add(result);
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(result, BenchJson.Default.MasterScaleResult));
            }
        }

        if (!json)
        {
            var table = new Table().Title($"PCCL master at scale (loopback, heartbeats every {heartbeatIntervalMs} ms, {rounds} rounds each)")
                .AddColumns("peers", "admitted", "join s", "collective p50 ms", "collective p99 ms", "vote p50 ms", "state p50 ms", "heartbeat cores", "CPU ms/round",
                    "CPU ms/round less heartbeats", "peak RSS MB", "fleet CPU ms/round less heartbeats");
            foreach (var r in results)
            {
                table.AddRow([.. new double[] { r.Peers, r.Admitted, r.JoinSeconds, r.RoundP50Ms, r.RoundP99Ms, r.VoteP50Ms, r.StateP50Ms, r.HeartbeatCpuCores, r.MasterCpuMsPerRound, r.RoundCpuMsWithoutHeartbeats, r.RssMb, r.FleetRoundCpuMsWithoutHeartbeats }
                    .Select(v => v.ToString("0.###", CultureInfo.InvariantCulture))]);
            }

            AnsiConsole.Write(table);
        }

        if (plot is not null)
        {
            MasterScalePlot.Save(results, plot);
        }

        return results.All(r => r.Admitted == r.Peers) ? 0 : 1;
    }

    private static async Task<MasterScaleResult> MeasureAsync(int peers, int rounds, int intervalMs, int timeoutMs, CancellationToken ct)
    {
        var port = LoopbackPorts.FreeTcpAndUdp();
        using var master = SelfLauncher.Start(["master", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--log-file", "none"], environment: new Dictionary<string, string>
        {
            ["PCCL_METRICS_ENABLED"] = "false",
            ["PCCL_NETWORK_HEARTBEAT_INTERVAL_MS"] = intervalMs.ToString(CultureInfo.InvariantCulture),
            ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = timeoutMs.ToString(CultureInfo.InvariantCulture),
        });
        try
        {
            await WaitReadyAsync(master, ct).ConfigureAwait(false);
            using var heartbeats = new SimulatedHeartbeats(port, TimeSpan.FromMilliseconds(intervalMs));
            using var fleet = new SimulatedFleet(port, heartbeats);
            var clock = Stopwatch.StartNew();
            var admitted = await fleet.JoinAsync(peers, ct).ConfigureAwait(false);
            var joinSeconds = clock.Elapsed.TotalSeconds;

            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false); // the join's after-effects (GC, logging) settle
            var rest = MasterProcessSample.Take(master.Id);
            var fleetRest = MasterProcessSample.Take(Environment.ProcessId);
            await Task.Delay(HeartbeatWindow, ct).ConfigureAwait(false);
            var heartbeatCores = MasterProcessSample.Take(master.Id).CoresSince(rest);
            var fleetHeartbeatCores = MasterProcessSample.Take(Environment.ProcessId).CoresSince(fleetRest);

            // Untimed first rounds: the master compiles each round's code on first use (no tiered compilation), once per process.
            for (var i = 1; i <= WarmupRounds; i++)
            {
                await fleet.PendingVoteRoundAsync(ct).ConfigureAwait(false);
                await fleet.CollectiveRoundAsync(ct).ConfigureAwait(false);
                await fleet.SharedStateRoundAsync((ulong)i, ct).ConfigureAwait(false);
            }

            var votes = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                votes.Add(await fleet.PendingVoteRoundAsync(ct).ConfigureAwait(false));
            }

            var beforeCollectives = MasterProcessSample.Take(master.Id);
            var fleetBefore = MasterProcessSample.Take(Environment.ProcessId);
            var collectives = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                collectives.Add(await fleet.CollectiveRoundAsync(ct).ConfigureAwait(false));
            }

            var afterCollectives = MasterProcessSample.Take(master.Id);
            var fleetAfter = MasterProcessSample.Take(Environment.ProcessId);
            var states = new List<double>();
            for (var i = 1; i <= rounds; i++)
            {
                states.Add(await fleet.SharedStateRoundAsync((ulong)(WarmupRounds + i), ct).ConfigureAwait(false));
            }

            var end = MasterProcessSample.Take(master.Id);
            var collectiveCpuMs = (afterCollectives.Cpu - beforeCollectives.Cpu).TotalMilliseconds;
            return new MasterScaleResult(peers, admitted, Round(joinSeconds), Round(Percentile(collectives, 0.5)), Round(Percentile(collectives, 0.99)),
                Round(Percentile(votes, 0.5)), Round(Percentile(states, 0.5)), Round(heartbeatCores), Round(collectiveCpuMs / rounds),
                Round(WithoutHeartbeats(beforeCollectives, afterCollectives, heartbeatCores) / rounds), Round(end.PeakRssMb),
                Round(WithoutHeartbeats(fleetBefore, fleetAfter, fleetHeartbeatCores) / rounds), intervalMs);
        }
        finally
        {
            master.Kill();
            await master.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Returns once the master logs that it is ready; its output is drained from then on.</summary>
    private static async Task WaitReadyAsync(Process master, CancellationToken ct)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is { } line)
            {
                if (lines.Count < 50)
                {
                    lines.Enqueue(line);
                }

                if (line.Contains("master ready on port", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        master.ErrorDataReceived += onLine;
        master.OutputDataReceived += onLine;
        master.BeginErrorReadLine();
        master.BeginOutputReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"the master did not get ready within 30 s:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        }
    }

    /// <summary>
    /// CPU milliseconds between two samples of one process less its heartbeats' share, at the rate measured at rest: the
    /// heartbeats go on during the rounds, but they are not the rounds' cost.
    /// </summary>
    private static double WithoutHeartbeats(MasterProcessSample before, MasterProcessSample after, double heartbeatCores) =>
        Math.Max(0, (after.Cpu - before.Cpu).TotalMilliseconds - heartbeatCores * Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalMilliseconds);

    /// <summary>Nearest rank: the smallest value with at least <paramref name="fraction"/> of the values at or below it.</summary>
    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static double Round(double value) => Math.Round(value, 3);
}
