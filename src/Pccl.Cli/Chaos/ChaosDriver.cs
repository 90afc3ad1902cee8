using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Processes;
using Pccl.Cli.Workload;
using Pccl.Hosting.Checkpoints;
using Spectre.Console;

namespace Pccl.Cli.Chaos;

/// <summary>
/// <c>pccl bench chaos</c>: a master in this process and 2..N worker processes; every 0.5–2 s it starts a worker,
/// SIGKILLs one, or SIGSTOPs one (and SIGCONTs it 0.1–0.4 s or 0.7–2 s later). Random kills spare the last running
/// worker that holds the shared state; once, at <see cref="ChaosOptions.TotalLossAt"/>, it kills every worker instead and
/// starts two new ones, which must resume from the newest checkpoint of the run's shared checkpoint directory. The driver
/// only plays these actions and feeds what it did and saw to a <see cref="ChaosReferee"/>, which gives the verdict.
/// </summary>
internal sealed class ChaosDriver(ChaosOptions options, int masterPort, IAnsiConsole console)
{
    private readonly List<WorkerProcess> _workers = [];
    private readonly Dictionary<WorkerProcess, FeedPosition> _fed = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Random _random = new(options.Seed);
    private readonly ChaosReferee _referee = new(options);
    private readonly (DirectoryInfo Directory, CheckpointStore Store) _checkpoints = CreateCheckpoints();
    private bool _totalLossPlayed;

    public async Task<ChaosSummary> RunAsync(CancellationToken ct)
    {
        try
        {
            string? stalledLogs = null;
            try
            {
                await PlayAsync(ct).ConfigureAwait(false);
                stalledLogs = _referee.Stalled ? RunningWorkersLogs() : null;
            }
            finally
            {
                await Task.WhenAll(_workers.Select(w => w.ShutdownAsync(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
            }

            var failure = _referee.Finish() is { } judged ? judged + stalledLogs : (options.TotalLossAt is { } at && !_totalLossPlayed
                ? $"the total loss due at {at.TotalSeconds:0.0} s was not played: by {_clock.Elapsed.TotalSeconds:0.0} s the group never got past a checkpoint"
                : null);
            return ChaosSummary.Of(failure, _referee.Tally, options, _clock.Elapsed);
        }
        finally
        {
            foreach (var w in _workers)
            {
                w.Dispose();
            }

            DeleteCheckpoints();
        }
    }

    /// <summary>What each worker still running logged last: where a stalled world was waiting.</summary>
    private string RunningWorkersLogs() => string.Concat(_workers.Where(w => w.Alive).Select(w =>
        $"{Environment.NewLine}--- worker {w.Index} (pid {w.Pid}){(w.Stopped ? ", stopped" : "")}, last log lines:{Environment.NewLine}{w.LogTail}"));

    private static (DirectoryInfo, CheckpointStore) CreateCheckpoints()
    {
        var directory = Directory.CreateTempSubdirectory("pccl-chaos-checkpoints-");
        return (directory, new CheckpointStore(new CheckpointStoreOptions { Directory = directory.FullName }));
    }

    /// <summary>Removes the run's checkpoint directory; a failure is reported and leaves the verdict as it was.</summary>
    private void DeleteCheckpoints()
    {
        try
        {
            _checkpoints.Directory.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"could not remove the chaos run's checkpoint directory {_checkpoints.Directory.FullName}: {e.Message}");
        }
    }

    private async Task PlayAsync(CancellationToken ct)
    {
        StartWorker();
        StartWorker();
        var nextAction = _clock.Elapsed + NextPause();
        while (_referee.Failure is null && (_clock.Elapsed < options.Duration || TotalLossPending) && _clock.Elapsed < options.Duration + options.RecoveryPatience)
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
            var now = _clock.Elapsed;
            Feed(now);
            _referee.Observe(new Tick(now));
            foreach (var w in _workers.Where(w => w.Stopped && w.ResumeAt <= now && w.Alive))
            {
                w.Resume();
                _referee.Observe(new WorkerContinued(now, w.Index));
                Say($"SIGCONT worker {w.Index} (pid {w.Pid})");
            }

            // due, and the group is past its newest checkpoint: the loss then costs revisions and the restart must roll them back
            if (!_totalLossPlayed && now >= options.TotalLossAt && _checkpoints.Store.ListRevisions() is [var newest, ..] && newest < _referee.LatestRevision)
            {
                _totalLossPlayed = true;
                await LoseEverythingAsync(ct).ConfigureAwait(false);
                nextAction = _clock.Elapsed + NextPause();
            }
            else if (now >= nextAction && !_referee.AwaitingRecovery)
            {
                Act(now);
                nextAction = now + NextPause();
            }
        }
    }

    /// <summary>The run goes on past its duration (up to <see cref="ChaosOptions.RecoveryPatience"/>) until the total loss was played and recovered from.</summary>
    private bool TotalLossPending => options.TotalLossAt is not null && (!_totalLossPlayed || _referee.AwaitingRecovery);

    /// <summary>Passes on what the workers printed since the last call, and their exits once their output is read to the end.</summary>
    private void Feed(TimeSpan now)
    {
        foreach (var w in _workers)
        {
            var position = _fed[w];
            var drained = w.HasExitedAndDrained; // before reading its lines: those read then are all it printed
            if (!position.Resume && w.ResumedFrom is { } resumed)
            {
                position.Resume = true;
                _referee.Observe(new WorkerResumed(now, w.Index, resumed.Revision, resumed.StateHash));
            }

            foreach (var r in w.ReportsFrom(position.Steps))
            {
                _referee.Observe(new StepReported(now, w.Index, new ChaosStep(
                    r.PeerId, r.Sequence, r.WorldSize, r.ResultHash, r.Peers, r.InputKey, r.InputHash, r.Revision, r.StateHash, r.Retries)));
                position.Steps++;
            }

            if (!position.Exit && drained)
            {
                position.Exit = true;
                _referee.Observe(new WorkerExited(now, w.Index, w.ExitCode ?? -1, w.SaysRemoved, w.LogTail));
                if (w.SaysRemoved && !w.Killed)
                {
                    Say($"worker {w.Index} (pid {w.Pid}) left: the master had removed it");
                }
            }
        }
    }

    private void Act(TimeSpan now)
    {
        // Random kills spare the last running holder of the shared state: losing every holder is played once, on purpose,
        // by LoseEverythingAsync, where the referee knows to expect a restart from the checkpoint. A holder is a worker at
        // the newest revision: one that stepped before but fell behind (frozen through a step, removed, rejoining) cannot
        // give the group its state back, and the master refuses to go back to its revision.
        var newest = _workers.Where(w => w.Alive).Select(w => w.Revision).DefaultIfEmpty().Max();
        var holders = _workers.Where(w => w.Alive && !w.Stopped && w.StepCount > 0 && w.Revision == newest).ToList();
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
                Kill(victim);
                Say($"SIGKILL worker {victim.Index} (pid {victim.Pid}); {aliveCount - 1} alive");
                break;
            default:
                var frozen = runnable[_random.Next(runnable.Count)];
                // half of the freezes are short (a GC pause: the peer stays), half long (a hang: the master removes it)
                var resume = now + TimeSpan.FromMilliseconds(_random.Next(2) == 0 ? 100 + _random.Next(300) : 700 + _random.Next(1300));
                frozen.Stop(resume);
                _referee.Observe(new WorkerStopped(now, frozen.Index));
                Say($"SIGSTOP worker {frozen.Index} (pid {frozen.Pid}) until {resume.TotalSeconds:0.0}s");
                break;
        }
    }

    /// <summary>
    /// Kills every worker, waits until their last lines are read, tells the referee which checkpoint a newcomer finds,
    /// and starts two workers.
    /// </summary>
    private async Task LoseEverythingAsync(CancellationToken ct)
    {
        var victims = _workers.Where(w => w.Alive).ToList();
        foreach (var w in victims)
        {
            Kill(w);
        }

        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await Task.WhenAll(victims.Select(w => w.WaitForExitAsync(patience.Token))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Say("some killed workers' output was not read to the end within 10 s; judging without their last lines");
        }
        var now = _clock.Elapsed;
        Feed(now);
        var lost = _referee.LatestRevision;
        var newest = await NewestCheckpointAsync(ct).ConfigureAwait(false);
        Say(newest is { } c
            ? $"TOTAL LOSS: SIGKILL all {victims.Count} workers at revision {lost}; the newest checkpoint is revision {c.Revision}, {lost - c.Revision} behind"
            : $"TOTAL LOSS: SIGKILL all {victims.Count} workers at revision {lost}; no checkpoint");
        _referee.Observe(new TotalLoss(now, lost, newest?.Revision, newest?.StateHash));
        StartWorker();
        StartWorker();
    }

    /// <summary>What a newcomer loads: the newest checkpoint that verifies.</summary>
    private async Task<ResumeReport?> NewestCheckpointAsync(CancellationToken ct)
    {
        var parameters = new float[options.Elements];
        var state = new SharedState([SharedStateEntry.Create("parameters", parameters.AsMemory())]);
        return await _checkpoints.Store.TryLoadNewestAsync(state, ct).ConfigureAwait(false) is { } revision
            ? new ResumeReport(revision, Contribution.Hash(parameters))
            : null;
    }

    private void Kill(WorkerProcess w)
    {
        w.Kill();
        _referee.Observe(new WorkerKilled(_clock.Elapsed, w.Index));
    }

    private WorkerProcess StartWorker()
    {
        var worker = WorkerProcess.Start(_workers.Count + 1, masterPort, options.Elements, options.StepDelayMs, _clock.Elapsed, new Dictionary<string, string>
        {
            ["PCCL_FAULT_TOLERANCE_CHECKPOINT_DIR"] = _checkpoints.Directory.FullName,
            ["PCCL_FAULT_TOLERANCE_CHECKPOINT_INTERVAL_STEPS"] = options.CheckpointIntervalSteps.ToString(CultureInfo.InvariantCulture),
        });
        _workers.Add(worker);
        _fed[worker] = new FeedPosition();
        _referee.Observe(new WorkerStarted(_clock.Elapsed, worker.Index));
        return worker;
    }

    private TimeSpan NextPause() => TimeSpan.FromMilliseconds(500 + _random.Next(1500));

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
        void Row(string name, object? value) => table.AddRow(name, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "-");
        Row("duration s", summary.DurationSeconds);
        Row("workers started", summary.WorkersStarted);
        Row("SIGKILLs", summary.Kills);
        Row("SIGSTOPs", summary.Stops);
        Row("evicted after a stop", summary.Evicted);
        Row("steps reported", summary.StepsReported);
        Row("operations (distinct seq)", summary.Operations);
        Row("steps that needed a retry", summary.RetriedSteps);
        Row("result disagreements", summary.Disagreements);
        Row("wrong sums", summary.WrongSums);
        Row("largest world", summary.MaxWorld);
        Row("longest stall s", summary.LongestStallSeconds);
        Row("total losses", summary.TotalLosses);
        Row("lost at revision", summary.LostRevision);
        Row("resumed from checkpoint revision", summary.CheckpointRevision);
        Row("recovered", summary.Recoveries);
        console.Write(table);
        if (summary.Passed)
        {
            console.MarkupLine("[green]passed:[/] no stall, no crash; every result was the exact sum of its peers' inputs" +
                (summary.Recoveries > 0 ? "; after the total loss the run resumed from the newest checkpoint" : ""));
        }
        else
        {
            console.MarkupLineInterpolated($"[red]FAILED:[/] {summary.Failure}");
        }
    }

    private sealed class FeedPosition
    {
        public int Steps { get; set; }

        public bool Resume { get; set; }

        public bool Exit { get; set; }
    }
}
