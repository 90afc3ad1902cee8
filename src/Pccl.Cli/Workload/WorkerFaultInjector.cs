using System.Text.Json;
using Pccl.Hosting.Processes;
using Pccl.Operations.Faults;

namespace Pccl.Cli.Workload;

/// <summary>
/// The worker's side of the library's fault seam: fires its <see cref="FaultPlan"/> once per process, printing the
/// fault's JSON line (<see cref="FaultReport"/>) first, and passes failed all-reduce attempts to
/// <paramref name="attemptFailed"/>.
/// </summary>
/// <param name="plan">The fault to inject; null to inject none.</param>
/// <param name="currentStep">The step the workload is in.</param>
/// <param name="peerId">This worker's current peer id.</param>
/// <param name="attemptFailed">Told of every failed attempt once the library has restored the buffer; null to ignore them.</param>
/// <param name="json">Where the fault line goes; null prints none.</param>
internal sealed class WorkerFaultInjector(FaultPlan? plan, Func<int> currentStep, Func<ulong> peerId, Action<PcclException>? attemptFailed, TextWriter? json)
    : IFaultInjector
{
    private int _fired;
    private int _blocksServing;

    public ValueTask RingStartedAsync(RingFaultSite site) =>
        plan is { WhileServing: false, Fraction: 0.0 } ? FireOnceAsync(site, 0) : ValueTask.CompletedTask;

    public ValueTask BytesMovedAsync(RingFaultSite site, long moved) =>
        plan is { WhileServing: false, Fraction: > 0.0 } p && moved >= p.Fraction * site.BytesToMove
            ? FireOnceAsync(site, moved)
            : ValueTask.CompletedTask;

    public void AllReduceFailed(uint tag, PcclException failure) => attemptFailed?.Invoke(failure);

    public ValueTask StateBlockSendingAsync(CancellationToken ct)
    {
        if (plan is { WhileServing: true } p && Interlocked.Increment(ref _blocksServing) == p.Step && Interlocked.Exchange(ref _fired, 1) == 0)
        {
            Report(p, null, null);
            PosixSignals.Send(Environment.ProcessId, PosixSignals.Kill);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Fires on the operation's own path, which waits for it, so the fault lands exactly at the measured point (<paramref name="moved"/>: the bytes the piece that fired it took this peer to).</summary>
    private ValueTask FireOnceAsync(RingFaultSite site, long moved)
    {
        if (currentStep() != plan!.Step || Interlocked.Exchange(ref _fired, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        Report(plan, site, moved);
        switch (plan.Kind)
        {
            case "kill":
                PosixSignals.Send(Environment.ProcessId, PosixSignals.Kill);
                return ValueTask.CompletedTask;
            case "stop":
                PosixSignals.Send(Environment.ProcessId, PosixSignals.Stop);
                return ValueTask.CompletedTask;
            case "cut-stream":
                site.CutOneStream();
                return ValueTask.CompletedTask;
            default:
                return site.BreakRingLinksAsync();
        }
    }

    private void Report(FaultPlan fault, RingFaultSite? site, long? moved)
    {
        if (json is not null)
        {
            var report = new FaultReport(fault.Kind, currentStep(), site?.Sequence ?? 0, peerId(), MonotonicClock.NowNs())
            {
                BytesMoved = moved,
                BytesToMove = site?.BytesToMove,
            };
            json.WriteLine(JsonSerializer.Serialize(report, WorkerJson.Default.FaultReport));
            json.Flush();
        }
    }
}
