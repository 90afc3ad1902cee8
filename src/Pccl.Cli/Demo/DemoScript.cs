using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Processes;
using Spectre.Console;

namespace Pccl.Cli.Demo;

/// <summary>
/// The demo's story: N workers join and train, one is SIGKILLed, the survivors recover and go on, a new worker joins
/// and receives its place in the ring. Progress is printed as it happens; a summary checks the results agreed.
/// </summary>
/// <remarks>With <c>json</c>, the progress goes to <paramref name="console"/> and the summary also to standard output as one <see cref="DemoReport"/>.</remarks>
internal sealed class DemoScript(int masterPort, int peers, int elements, int stepDelayMs, int stepsPerPhase, bool json, IAnsiConsole console)
{
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(90);
    private readonly List<WorkerProcess> _workers = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private WorkerProcess? _victim; // the one worker SIGKILLed; shutting the others down marks them killed too

    public async Task<int> RunAsync(CancellationToken ct)
    {
        try
        {
            return await RunStoryAsync(ct);
        }
        finally
        {
            foreach (var worker in _workers)
            {
                worker.Dispose();
            }
        }
    }

    private async Task<int> RunStoryAsync(CancellationToken ct)
    {
        try
        {
            Say($"starting {peers} workers");
            for (var i = 0; i < peers; i++)
            {
                StartWorker();
            }

            await WaitAsync($"all {peers} workers train together", () => Alive().All(w => StepsAtWorld(w, peers) >= stepsPerPhase), ct);

            var victim = Alive().Last();
            victim.Kill();
            _victim = victim;
            Say($"[red]SIGKILL[/] worker {victim.Index} (peer {victim.PeerId}, pid {victim.Pid}) in the middle of training");
            var survivorsFrom = Alive().ToDictionary(w => w, w => w.Reports.Count);
            await WaitAsync($"the {peers - 1} survivors recover and keep training",
                () => Alive().All(w => w.Reports.Skip(survivorsFrom[w]).Count(r => r.WorldSize == peers - 1) >= stepsPerPhase), ct);

            var joiner = StartWorker();
            Say($"[green]new worker {joiner.Index}[/] joins (pid {joiner.Pid})");
            await WaitAsync($"the new worker is admitted and the world is {peers} again",
                () => StepsAtWorld(joiner, peers) >= stepsPerPhase, ct);
        }
        catch (TimeoutException e)
        {
            console.MarkupLineInterpolated($"[red]demo failed:[/] {e.Message}");
            foreach (var w in _workers.Where(w => w.LastLog is not null))
            {
                console.WriteLine($"  worker {w.Index} last log: {w.LastLog}");
            }

            return 1;
        }
        finally
        {
            await Task.WhenAll(Alive().Select(w => w.ShutdownAsync(TimeSpan.FromSeconds(5))));
        }

        return PrintSummary();
    }

    private WorkerProcess StartWorker()
    {
        var worker = WorkerProcess.Start(_workers.Count + 1, masterPort, elements, stepDelayMs, _clock.Elapsed);
        _workers.Add(worker);
        return worker;
    }

    private IEnumerable<WorkerProcess> Alive() => _workers.Where(w => w.Alive);

    private static int StepsAtWorld(WorkerProcess w, int world) => w.Reports.Count(r => r.WorldSize == world);

    private async Task WaitAsync(string goal, Func<bool> done, CancellationToken ct)
    {
        Say($"waiting: {goal}");
        var deadline = _clock.Elapsed + PhaseTimeout;
        var lastStatus = TimeSpan.Zero;
        while (!done())
        {
            ct.ThrowIfCancellationRequested();
            var crashed = _workers.FirstOrDefault(w => !w.Killed && w.HasExited);
            if (crashed is not null)
            {
                throw new TimeoutException($"worker {crashed.Index} exited with code {crashed.ExitCode}");
            }

            if (_clock.Elapsed > deadline)
            {
                throw new TimeoutException($"not reached within {PhaseTimeout.TotalSeconds:0} s: {goal}");
            }

            if (_clock.Elapsed - lastStatus > TimeSpan.FromSeconds(1))
            {
                lastStatus = _clock.Elapsed;
                PrintStatus();
            }

            await Task.Delay(50, ct);
        }

        PrintStatus();
        Say($"[green]done:[/] {goal}");
    }

    private void PrintStatus()
    {
        var parts = Alive().Select(w =>
        {
            var reports = w.Reports;
            var last = reports.Count > 0 ? reports[^1] : null;
            return last is null ? $"w{w.Index}: joining" : $"w{w.Index}: step {last.Step} world {last.WorldSize} {last.AllReduceMs:0.0}ms";
        });
        console.MarkupLineInterpolated($"[grey]{_clock.Elapsed.TotalSeconds,6:0.0}s[/]  {string.Join("  |  ", parts)}");
    }

    private void Say(string markup) => console.MarkupLine($"[grey]{_clock.Elapsed.TotalSeconds,6:0.0}s[/]  {markup}");

    private int PrintSummary()
    {
        var summary = DemoSummary.From(_workers);
        var workers = _workers.Select(w =>
        {
            var reports = w.Reports;
            return new DemoWorkerReport(w.Index, w.PeerId, reports.Count, reports.Sum(r => r.Retries), reports.Count > 0 ? reports[^1].WorldSize : 0,
                Bench.Statistics.Median(reports.Select(r => r.AllReduceMs)), w == _victim ? "killed" : "stopped");
        }).ToList();
        var table = new Table().Title("PCCL demo summary").AddColumns("worker", "peer", "steps", "retries", "last world", "median all-reduce", "fate");
        foreach (var w in workers)
        {
            table.AddRow(w.Index.ToString(CultureInfo.InvariantCulture), w.Peer.ToString(CultureInfo.InvariantCulture), w.Steps.ToString(CultureInfo.InvariantCulture),
                w.Retries.ToString(CultureInfo.InvariantCulture), w.Steps > 0 ? w.LastWorld.ToString(CultureInfo.InvariantCulture) : "-",
                $"{w.MedianAllReduceMs:0.0} ms", w.Fate == "killed" ? "[red]killed[/]" : w.Fate);
        }

        console.Write(table);
        var verdict = summary.Disagreements == 0 ? "[green]bit-identical on every peer[/]" : $"[red]{summary.Disagreements} disagreements[/]";
        console.MarkupLine($"{summary.Operations} all-reduces, results {verdict}; {summary.Retries} retried attempts after the kill; world size peaked at {summary.MaxWorld}, ended at {summary.FinalWorld}.");
        var state = summary.StateDivergences == 0 ? "[green]identical on every peer at every revision[/]" : $"[red]diverged at {summary.StateDivergences} revisions[/]";
        console.MarkupLine($"shared state: {summary.Revisions} revisions, {state} (the new worker received it from the others).");
        var passed = summary.Disagreements == 0 && summary.StateDivergences == 0;
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new DemoReport(peers, stepsPerPhase, workers, summary, passed), DemoJson.Default.DemoReport));
        }

        return passed ? 0 : 1;
    }
}
