using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Pccl.Cli.Chaos;

/// <summary>
/// <c>pccl bench chaos</c>: a master in this process and 2..N worker processes; every 0.5–2 s it starts a worker,
/// SIGKILLs one, or SIGSTOPs one (and SIGCONTs it 0.1–0.4 s or 0.7–2 s later). The run fails at once when no step completes for
/// <see cref="ChaosOptions.StallLimit"/> while at least two peers run, when two peers report different result hashes for
/// the same operation, or when a worker exits that was not killed (a stopped worker that was removed meanwhile and
/// leaves with Kicked or MasterLost when resumed is expected, and counted as evicted). The last running worker that
/// holds the shared state is spared, so the group's state always survives.
/// </summary>
internal sealed class ChaosDriver(ChaosOptions options, int masterPort, IAnsiConsole console)
{
    private readonly List<WorkerProcess> _workers = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Random _random = new(options.Seed);
    private int _kills;
    private int _stops;
    private TimeSpan _longestStall;

    public async Task<ChaosSummary> RunAsync(CancellationToken ct)
    {
        try
        {
            string? failure;
            try
            {
                failure = await PlayAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                await Task.WhenAll(_workers.Select(w => w.ShutdownAsync(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
            }

            return Summarise(failure ?? CheckHashes());
        }
        finally
        {
            foreach (var w in _workers)
            {
                w.Dispose();
            }
        }
    }

    private async Task<string?> PlayAsync(CancellationToken ct)
    {
        StartWorker();
        StartWorker();
        var nextAction = _clock.Elapsed + NextPause();
        var lastCheck = TimeSpan.Zero;
        var lastHashCheck = TimeSpan.Zero;
        var lastSteps = 0;
        var stall = TimeSpan.Zero;
        while (_clock.Elapsed < options.Duration)
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
            var now = _clock.Elapsed;
            var elapsed = now - lastCheck;
            lastCheck = now;
            if (CheckExits() is { } crash)
            {
                return crash;
            }

            var steps = _workers.Sum(w => w.StepCount);
            var running = _workers.Count(w => w.Alive && !w.Stopped && (w.StepCount > 0 || now - w.StartedAt >= options.StartupGrace));
            stall = steps != lastSteps || running < 2 ? TimeSpan.Zero : stall + elapsed;
            lastSteps = steps;
            _longestStall = stall > _longestStall ? stall : _longestStall;
            if (stall >= options.StallLimit)
            {
                return $"no step completed for {stall.TotalSeconds:0.0} s while {running} peers were running ({Describe()})";
            }

            foreach (var w in _workers.Where(w => w.Stopped && w.ResumeAt <= now && w.Alive))
            {
                w.Resume();
                Say($"SIGCONT worker {w.Index} (pid {w.Pid})");
            }

            if (now >= nextAction)
            {
                Act(now);
                nextAction = now + NextPause();
            }

            if (now - lastHashCheck >= TimeSpan.FromSeconds(1))
            {
                lastHashCheck = now;
                if (CheckHashes() is { } disagreement)
                {
                    return disagreement;
                }
            }
        }

        return null;
    }

    private void Act(TimeSpan now)
    {
        // The last running worker that holds the shared state is never a victim: if every holder died, the group's
        // state would be lost and a newcomer is (rightly) refused with "restore a checkpoint" — a different scenario
        // from churn, covered by the election tests.
        var holders = _workers.Where(w => w.Alive && !w.Stopped && w.StepCount > 0).ToList();
        var keeper = holders.Count == 1 ? holders[0] : null;
        var alive = _workers.Where(w => w.Alive && w != keeper).ToList();
        var runnable = alive.Where(w => !w.Stopped).ToList();
        // Start more often when few are alive; kill or freeze more often when many are.
        var aliveCount = alive.Count + (keeper is null ? 0 : 1);
        var startWeight = aliveCount < 2 ? double.MaxValue / 4 : Math.Max(0, options.PeersMax - aliveCount);
        var faultWeight = alive.Count / 2.0;
        var pick = _random.NextDouble() * (startWeight + 2 * faultWeight);
        var choice = pick < startWeight || alive.Count == 0 ? 0 : pick < startWeight + faultWeight || runnable.Count == 0 ? 1 : 2;

        switch (choice)
        {
            case 0:
                var started = StartWorker();
                Say($"start worker {started.Index} (pid {started.Pid}); {aliveCount + 1} alive");
                break;
            case 1:
                var victim = alive[_random.Next(alive.Count)];
                victim.Kill();
                _kills++;
                Say($"SIGKILL worker {victim.Index} (pid {victim.Pid}); {aliveCount - 1} alive");
                break;
            default:
                var frozen = runnable[_random.Next(runnable.Count)];
                // half of the freezes are short (a GC pause: the peer stays), half long (a hang: the master removes it)
                var resume = now + TimeSpan.FromMilliseconds(_random.Next(2) == 0 ? 100 + _random.Next(300) : 700 + _random.Next(1300));
                frozen.Stop(resume);
                _stops++;
                Say($"SIGSTOP worker {frozen.Index} (pid {frozen.Pid}) until {resume.TotalSeconds:0.0}s");
                break;
        }
    }

    private WorkerProcess StartWorker()
    {
        var worker = WorkerProcess.Start(_workers.Count + 1, masterPort, options.Elements, options.StepDelayMs, _clock.Elapsed);
        _workers.Add(worker);
        return worker;
    }

    private TimeSpan NextPause() => TimeSpan.FromMilliseconds(500 + _random.Next(1500));

    private string? CheckExits()
    {
        foreach (var w in _workers.Where(w => !w.Killed && !w.Evicted && w.ExitedAsEvicted))
        {
            w.Evicted = true;
            Say($"worker {w.Index} (pid {w.Pid}) left after its stop: the master had removed it");
        }

        var crashed = _workers.FirstOrDefault(w => !w.Killed && w.HasExited && !w.ExitedAsEvicted);
        return crashed is null ? null
            : $"worker {crashed.Index} (pid {crashed.Pid}) exited with code {crashed.ExitCode} without being killed{(crashed.WasStopped ? " (it had been stopped)" : "")}; " +
              $"its last log lines:{Environment.NewLine}{crashed.LogTail}";
    }

    /// <summary>Every operation the master numbered must have produced one result on every peer that reported it.</summary>
    private string? CheckHashes()
    {
        var conflict = _workers.SelectMany(w => w.Reports.Select(r => (Worker: w, Report: r)))
            .GroupBy(x => x.Report.Sequence)
            .FirstOrDefault(g => g.Select(x => x.Report.ResultHash).Distinct().Count() > 1);
        return conflict is null ? null
            : $"operation seq {conflict.Key} has different results: " +
              string.Join(", ", conflict.Select(x => $"worker {x.Worker.Index} (peer {x.Report.PeerId}, world {x.Report.WorldSize}) {x.Report.ResultHash}"));
    }

    private string Describe() => string.Join(", ", _workers.Where(w => w.Alive).Select(w =>
        $"w{w.Index}{(w.Stopped ? " stopped" : "")} {w.StepCount} steps"));

    private ChaosSummary Summarise(string? failure)
    {
        var reports = _workers.SelectMany(w => w.Reports).ToList();
        var bySequence = reports.GroupBy(r => r.Sequence).ToList();
        return new ChaosSummary
        {
            Passed = failure is null,
            Failure = failure,
            Seed = options.Seed,
            DurationSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 1),
            PeersMax = options.PeersMax,
            WorkersStarted = _workers.Count,
            Kills = _kills,
            Stops = _stops,
            Evicted = _workers.Count(w => w.Evicted),
            StepsReported = reports.Count,
            Operations = bySequence.Count,
            RetriedSteps = reports.Count(r => r.Retries > 0),
            Disagreements = bySequence.Count(g => g.Select(r => r.ResultHash).Distinct().Count() > 1),
            MaxWorld = reports.Count == 0 ? 0 : reports.Max(r => r.WorldSize),
            LongestStallSeconds = Math.Round(_longestStall.TotalSeconds, 2),
        };
    }

    private void Say(string text)
    {
        if (!options.Json)
        {
            console.MarkupLineInterpolated($"[grey]{_clock.Elapsed.TotalSeconds,6:0.0}s[/]  {text}");
        }
    }

    public static void Print(ChaosSummary summary, bool json, IAnsiConsole console)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(summary, ChaosJson.Default.ChaosSummary));
            return;
        }

        var table = new Table().Title($"PCCL chaos run, seed {summary.Seed}").AddColumns("measure", "value");
        void Row(string name, object value) => table.AddRow(name, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
        Row("duration s", summary.DurationSeconds);
        Row("workers started", summary.WorkersStarted);
        Row("SIGKILLs", summary.Kills);
        Row("SIGSTOPs", summary.Stops);
        Row("evicted after a stop", summary.Evicted);
        Row("steps reported", summary.StepsReported);
        Row("operations (distinct seq)", summary.Operations);
        Row("steps that needed a retry", summary.RetriedSteps);
        Row("result disagreements", summary.Disagreements);
        Row("largest world", summary.MaxWorld);
        Row("longest stall s", summary.LongestStallSeconds);
        console.Write(table);
        if (summary.Passed)
        {
            console.MarkupLine("[green]passed:[/] no stall, no disagreement, no crash");
        }
        else
        {
            console.MarkupLineInterpolated($"[red]FAILED:[/] {summary.Failure}");
        }
    }
}
