using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Processes;
using Pccl.Cli.Workload;
using Pccl.Hosting.Processes;
using Spectre.Console;

namespace Pccl.Cli.Bench.Failover;

/// <summary>
/// <c>pccl bench failover</c>: two <c>pccl master</c> processes on one PostgreSQL store and N <c>pccl worker</c>
/// processes that list both and train. Each round SIGKILLs the leader (and starts it again as the standby); then each
/// round SIGSTOPs the leader for two lease TTLs and resumes it. Times run from the signal (taken just before it is
/// sent) on the host's monotonic clock, which the workers' step lines share.
/// </summary>
internal sealed class FailoverBench(FailoverBenchOptions options, IAnsiConsole console)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private readonly List<FailoverMaster> _masters = [];
    private readonly List<WorkerProcess> _workers = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var database = options.Store is null ? await PostgresServer.StartAsync().ConfigureAwait(false) : null;
        var store = options.Store ?? await database!.CreateDatabaseAsync().ConfigureAwait(false);
        try
        {
            _masters.Add(FailoverMaster.Start("m1", store, options.LeaseTtlMs));
            await WaitAsync("m1 leads", async () => (await _masters[0].ReadStatusAsync(ct).ConfigureAwait(false))?.IsLeader == true, ct).ConfigureAwait(false);
            _masters.Add(FailoverMaster.Start("m2", store, options.LeaseTtlMs));
            await WaitAsync("m2 stands by", async () => (await _masters[1].ReadStatusAsync(ct).ConfigureAwait(false)) is { IsLeader: false }, ct).ConfigureAwait(false);
            var list = string.Join(',', _masters.Select(m => m.Endpoint));
            for (var i = 1; i <= options.Workers; i++)
            {
                _workers.Add(WorkerProcess.Start(i, list, options.Elements, options.StepDelayMs, _clock.Elapsed,
                    new Dictionary<string, string> { ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1" }));
            }

            await WaitAsync("every worker training at the full world", () => Task.FromResult(
                _workers.All(w => w.Reports.Any(r => r.WorldSize == options.Workers))), ct).ConfigureAwait(false);

            var kills = new List<FailoverSample>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                kills.Add(await FailOverAsync(PosixSignals.Kill, ct).ConfigureAwait(false));
                Say($"SIGKILL round {round}: {Describe(kills[^1])}");
            }

            var stops = new List<FailoverSample>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                stops.Add(await FailOverAsync(PosixSignals.Stop, ct).ConfigureAwait(false));
                Say($"SIGSTOP round {round}: {Describe(stops[^1])}");
            }

            Print(Summarise("sigkill", kills));
            Print(Summarise("sigstop", stops));
            return kills.Concat(stops).Any(s => s.OldEpochSteps > 0) ? 1 : 0;
        }
        finally
        {
            foreach (var w in _workers)
            {
                await w.ShutdownAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                w.Dispose();
            }

            foreach (var m in _masters)
            {
                m.Dispose();
            }
        }
    }

    /// <summary>Signals the leader and measures until the standby serves the full world; then brings the old leader back as the standby.</summary>
    private async Task<FailoverSample> FailOverAsync(int signal, CancellationToken ct)
    {
        var (leader, standby, oldEpoch) = await FindLeaderAsync(ct).ConfigureAwait(false);
        var oldLease = (await leader.ReadStatusAsync(ct).ConfigureAwait(false))?.LeaseExpires;
        var signalledNs = MonotonicClock.NowNs();
        var signalledAt = DateTimeOffset.UtcNow;
        leader.Signal(signal);

        long servingNs = 0, firstRegisteredNs = 0, registeredNs = 0, acceptedNs = 0;
        DateTimeOffset? newLease = null;
        ulong newEpoch = 0;
        await WaitAsync($"{standby.Name} leads with every worker registered and accepted", async () =>
        {
            var view = await standby.ReadStatusAsync(ct).ConfigureAwait(false);
            var now = MonotonicClock.NowNs();
            if (view is { IsLeader: true } && view.Epoch > oldEpoch)
            {
                newEpoch = view.Epoch;
                newLease ??= view.LeaseExpires; // the winning attempt's: the first renewal comes a quarter TTL later
                servingNs = servingNs == 0 ? now : servingNs;
                firstRegisteredNs = firstRegisteredNs == 0 && view.Peers > 0 ? now : firstRegisteredNs;
                registeredNs = registeredNs == 0 && view.Peers >= options.Workers ? now : registeredNs;
                acceptedNs = view.Accepted >= options.Workers ? now : 0;
            }

            return registeredNs != 0 && acceptedNs != 0;
        }, ct).ConfigureAwait(false);

        long FirstFullWorldStep(WorkerProcess w) => w.Reports
            .Where(r => r.TimeNs > signalledNs && r.WorldSize == options.Workers && r.MasterEpoch == newEpoch)
            .Select(r => r.TimeNs).DefaultIfEmpty(0).First();
        await WaitAsync("every worker completes an all-reduce at the full world under the new leader",
            () => Task.FromResult(_workers.All(w => FirstFullWorldStep(w) != 0)), ct).ConfigureAwait(false);
        var fullWorldNs = _workers.Max(FirstFullWorldStep);

        // From here on the old leader is deposed: a paused one is resumed (after two TTLs, well past its lease) and
        // nothing it might still send may complete a step.
        var deposedNs = servingNs;
        if (signal == PosixSignals.Stop)
        {
            var pausedUntil = signalledNs + (2L * options.LeaseTtlMs * 1_000_000);
            await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (pausedUntil - MonotonicClock.NowNs()) / 100)), ct).ConfigureAwait(false);
            deposedNs = MonotonicClock.NowNs();
            leader.Signal(PosixSignals.Continue);
        }
        else
        {
            leader.Restart();
        }

        await WaitAsync($"{leader.Name} stands by", async () => (await leader.ReadStatusAsync(ct).ConfigureAwait(false)) is { IsLeader: false }, ct)
            .ConfigureAwait(false);
        var oldEpochSteps = _workers.Sum(w => w.Reports.Count(r => r.TimeNs > deposedNs && r.MasterEpoch <= oldEpoch && !r.SettledInDoubt));
        var ttl = TimeSpan.FromMilliseconds(options.LeaseTtlMs);
        double? StoreMs(DateTimeOffset? at) => at is { } t ? Math.Round((t - signalledAt).TotalMilliseconds, 1) : null;
        var phases = new FailoverPhases(StoreMs(oldLease - ttl), StoreMs(oldLease), StoreMs(newLease - ttl), Ms(servingNs - signalledNs),
            Ms(firstRegisteredNs - signalledNs), Ms(registeredNs - signalledNs), Ms(acceptedNs - signalledNs), Ms(fullWorldNs - signalledNs));
        return new FailoverSample(phases, oldEpochSteps);
    }

    private async Task<(FailoverMaster Leader, FailoverMaster Standby, ulong Epoch)> FindLeaderAsync(CancellationToken ct)
    {
        (FailoverMaster, FailoverMaster, ulong)? found = null;
        await WaitAsync("one master leads with every worker registered", async () =>
        {
            foreach (var m in _masters)
            {
                if (await m.ReadStatusAsync(ct).ConfigureAwait(false) is { IsLeader: true } view && view.Peers >= options.Workers)
                {
                    found = (m, _masters.Single(o => o != m), view.Epoch);
                }
            }

            return found is not null;
        }, ct).ConfigureAwait(false);
        return found!.Value;
    }

    private FailoverResult Summarise(string scenario, List<FailoverSample> samples) => new()
    {
        Scenario = scenario,
        Workers = options.Workers,
        Rounds = samples.Count,
        LeaseTtlMs = options.LeaseTtlMs,
        ToStandbyServingMs = Statistics.Median(samples.Select(s => s.Phases.ServingMs)),
        ToStandbyServingMsMax = samples.Max(s => s.Phases.ServingMs),
        ToAllRegisteredMs = Statistics.Median(samples.Select(s => s.Phases.RegisteredMs)),
        ToAllRegisteredMsMax = samples.Max(s => s.Phases.RegisteredMs),
        ToFullWorldAllReduceMs = Statistics.Median(samples.Select(s => s.Phases.FullWorldMs)),
        ToFullWorldAllReduceMsMax = samples.Max(s => s.Phases.FullWorldMs),
        OldEpochStepsAccepted = samples.Sum(s => s.OldEpochSteps),
        TargetMet = samples.All(s => s.Phases.FullWorldMs <= 2000),
        PhasesMs = FailoverPhases.Medians([.. samples.Select(s => s.Phases)]),
    };

    private void Print(FailoverResult r)
    {
        if (options.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(r, FailoverJson.Default.FailoverResult));
            return;
        }

        var table = new Table().Title($"PCCL failover ({r.Scenario} of the leader), {r.Workers} workers, {r.Rounds} rounds, lease TTL {r.LeaseTtlMs} ms")
            .AddColumns("from the signal to", "median ms", "max ms");
        table.AddRow("the standby serving", F(r.ToStandbyServingMs), F(r.ToStandbyServingMsMax));
        table.AddRow("every worker registered with it", F(r.ToAllRegisteredMs), F(r.ToAllRegisteredMsMax));
        table.AddRow(r.TargetMet ? "[green]next all-reduce at the full world (≤ 2000)[/]" : "[red]next all-reduce at the full world (≤ 2000) missed[/]",
            F(r.ToFullWorldAllReduceMs), F(r.ToFullWorldAllReduceMsMax));
        console.Write(table);
        console.MarkupLine("phases, median ms from the signal: " + string.Join(", ", r.PhasesMs.Select(p => $"{p.Key.Replace('_', ' ')} {F(p.Value)}")));
        console.MarkupLine($"steps completed under the old epoch after it was deposed: {r.OldEpochStepsAccepted} (must be 0)");
    }

    private async Task WaitAsync(string what, Func<Task<bool>> condition, CancellationToken ct)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(Patience);
        while (!await condition().ConfigureAwait(false))
        {
            var gone = _workers.FirstOrDefault(w => w.HasExited && !w.Killed);
            if (gone is not null)
            {
                throw new InvalidOperationException($"worker {gone.Index} exited (code {gone.ExitCode}) while waiting until {what}:\n{gone.LogTail}");
            }

            try
            {
                await Task.Delay(Poll, patience.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"not within {Patience.TotalSeconds} s: {what}\n" + string.Join('\n',
                    _workers.Select(w => $"--- worker {w.Index}: last step {(w.StepCount > 0 ? w.Reports[^1] : null)}\n{w.LogTail}")));
            }
        }
    }

    private void Say(string text)
    {
        if (!options.Json)
        {
            console.MarkupLine(Markup.Escape(text));
        }
    }

    private static string Describe(FailoverSample s) =>
        $"lease lapsed {F(s.Phases.LeaseLapsedMs)} ms, standby won {F(s.Phases.StandbyWonMs)} ms, serving {F(s.Phases.ServingMs)} ms, " +
        $"first worker registered {F(s.Phases.FirstRegisteredMs)} ms, every worker registered {F(s.Phases.RegisteredMs)} ms, " +
        $"accepted {F(s.Phases.AcceptedMs)} ms, full-world all-reduce {F(s.Phases.FullWorldMs)} ms, old-epoch steps {s.OldEpochSteps}";

    private static double Ms(long ns) => Math.Round(ns / 1e6, 1);

    private static string F(double? ms) => ms?.ToString("0.0", CultureInfo.InvariantCulture) ?? "?";
}
