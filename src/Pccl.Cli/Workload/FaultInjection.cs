using System.Globalization;
using System.Text.Json;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Workload;

/// <summary>
/// Test-only faults a worker injects into itself in the middle of an all-reduce or of serving shared state, chosen by the environment variable
/// <c>PCCL_TEST_FAULT=KIND@STEP[:DELAY_MS]</c>: once the ring of step STEP's all-reduce is connected and DELAY_MS (default
/// 3; 0 fires on the ring's thread before any data moves) have passed, <c>kill</c> SIGKILLs this process, <c>stop</c> SIGSTOPs it (a hang), and <c>break-ring</c> closes its
/// ring connections while its master connection stays up. <c>kill-serving@N</c> is about shared state instead: it SIGKILLs
/// this process just before it sends its N-th shared-state block to a receiver (N−1 are out; N ≥ 1, no delay), so a
/// donor dies mid-transfer. A JSON line with the fault and its monotonic time is printed
/// first, so a test can measure from the moment of the fault.
/// </summary>
internal sealed class FaultInjection
{
    public const string EnvironmentVariable = "PCCL_TEST_FAULT";

    private readonly string _kind;
    private readonly int _step;
    private readonly int _delayMs;
    private int _fired;

    private FaultInjection(string kind, int step, int delayMs)
    {
        _kind = kind;
        _step = step;
        _delayMs = delayMs;
    }

    /// <summary>Reads the plan from the environment; null when none is set.</summary>
    public static FaultInjection? FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = at > 0 ? text[..at] : "";
        var stepText = at > 0 ? (colon > at ? text[(at + 1)..colon] : text[(at + 1)..]) : "";
        var delay = 3;
        if (kind is not ("kill" or "stop" or "break-ring" or "kill-serving") || !int.TryParse(stepText, CultureInfo.InvariantCulture, out var step)
            || (colon > at && !int.TryParse(text[(colon + 1)..], CultureInfo.InvariantCulture, out delay))
            || (kind == "kill-serving" && (step < 1 || colon > at)))
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"{EnvironmentVariable}='{text}' is not KIND@STEP[:DELAY_MS] with KIND kill, stop or break-ring, or kill-serving@N with N ≥ 1 and no delay (e.g. kill@5, stop@3:10 or kill-serving@2)");
        }

        return new FaultInjection(kind, step, delay);
    }

    /// <summary>
    /// Arms the fault on <paramref name="communicator"/>: an all-reduce fault fires in the all-reduce of the step
    /// <paramref name="currentStep"/> reports, <c>kill-serving</c> before the N-th shared-state block this process serves.
    /// </summary>
    public void Attach(Communicator communicator, Func<int> currentStep, TextWriter? json)
    {
        if (_kind == "kill-serving")
        {
            var served = 0;
            communicator.BeforeStateBlockSent = _ =>
            {
                if (Interlocked.Increment(ref served) == _step)
                {
                    Report(communicator, 0, json);
                    PosixSignals.Send(Environment.ProcessId, PosixSignals.Kill);
                }

                return ValueTask.CompletedTask;
            };
            return;
        }

        communicator.RingStartedForTest = sequence =>
        {
            if (currentStep() != _step || Interlocked.Exchange(ref _fired, 1) != 0)
            {
                return;
            }

            if (_delayMs == 0)
            {
                // at once, on the ring's own thread, before it moves any data: the operation cannot complete without this peer
                FireAsync(communicator, sequence, json).GetAwaiter().GetResult();
            }
            else
            {
                _ = Task.Run(() => FireAsync(communicator, sequence, json));
            }
        };
    }

    private async Task FireAsync(Communicator communicator, ulong sequence, TextWriter? json)
    {
        if (_delayMs > 0)
        {
            await Task.Delay(_delayMs).ConfigureAwait(false);
        }

        Report(communicator, sequence, json);
        switch (_kind)
        {
            case "kill":
                PosixSignals.Send(Environment.ProcessId, PosixSignals.Kill);
                break;
            case "stop":
                PosixSignals.Send(Environment.ProcessId, PosixSignals.Stop);
                break;
            default:
                await communicator.BreakRingLinksForTestAsync().ConfigureAwait(false);
                break;
        }
    }

    private void Report(Communicator communicator, ulong sequence, TextWriter? json)
    {
        if (json is not null)
        {
            json.WriteLine(JsonSerializer.Serialize(new FaultReport(_kind, _step, sequence, communicator.PeerId, MonotonicClock.NowNs()), StepReportJson.Default.FaultReport));
            json.Flush();
        }
    }
}
