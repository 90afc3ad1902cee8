using System.Diagnostics;
using System.Text.Json;
using Pccl.Cli.Processes;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Recovery;

/// <summary>A <c>pccl bench recovery-worker</c> process and the events it printed.</summary>
internal sealed class RecoveryPeer : IDisposable
{
    private readonly Process _process;
    private readonly List<RecoveryEvent> _events = [];
    private readonly Lock _gate = new();
    private string _lastLog = "";
    private bool _inTimeOrder = true;

    private RecoveryPeer(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_gate) { _lastLog = e.Data; } } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public bool Gone { get; private set; }

    public bool HasExited => _process.HasExited;

    private string LastLog { get { lock (_gate) { return _lastLog; } } }

    /// <summary>Why an exited worker ended: its exit code and its last log line, read once its output has drained.</summary>
    public string ExitReport()
    {
        _process.WaitForExit(TimeSpan.FromSeconds(5)); // also waits for the redirected streams' last lines, unless a child holds them
        return $"exit code {_process.ExitCode}, last log line: {(LastLog is { Length: > 0 } line ? line : "(none)")}";
    }

    /// <summary>Driver's monotonic time when the ready line arrived, for the clock check.</summary>
    public long ReadyReceivedNs { get; private set; }

    public IReadOnlyList<RecoveryEvent> Events { get { lock (_gate) { return [.. _events]; } } }

    public static RecoveryPeer Start(int masterPort, long elements, BenchWorker worker) => new(SelfLauncher.Start(
        ["bench", "recovery-worker", "--master", $"127.0.0.1:{masterPort}", "--elements", elements.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        executable: worker.Binary));

    /// <summary>
    /// Its events of <paramref name="kind"/> stamped after <paramref name="ns"/>, in arrival order. The bench polls this
    /// every few milliseconds while it measures, so it reads only the events after <paramref name="ns"/>, not the run's
    /// whole history: a worker stamps and prints its events from one loop, so they arrive in time order and a binary
    /// search finds the first.
    /// </summary>
    public IReadOnlyList<RecoveryEvent> After(long ns, string kind)
    {
        lock (_gate)
        {
            var matches = new List<RecoveryEvent>();
            for (var i = FirstAfter(ns); i < _events.Count; i++)
            {
                if (_events[i].Kind == kind)
                {
                    matches.Add(_events[i]);
                }
            }

            return matches;
        }
    }

    /// <summary>The index of the first event stamped after <paramref name="ns"/>; 0 (read everything) should a worker ever print out of order.</summary>
    private int FirstAfter(long ns)
    {
        if (!_inTimeOrder)
        {
            return 0;
        }

        var (low, high) = (0, _events.Count);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_events[middle].TimeNs > ns)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    public void Signal(int signal)
    {
        if (signal == PosixSignals.Kill)
        {
            Gone = true;
        }

        PosixSignals.Send(_process.Id, signal);
    }

    private void OnLine(string? line)
    {
        if (line is null || !line.StartsWith('{'))
        {
            return;
        }

        var e = JsonSerializer.Deserialize(line, RecoveryJson.Default.RecoveryEvent);
        if (e is null)
        {
            return;
        }

        lock (_gate)
        {
            if (e.Kind == RecoveryEvent.Ready)
            {
                ReadyReceivedNs = Workload.MonotonicClock.NowNs();
            }

            _inTimeOrder &= _events.Count == 0 || e.TimeNs >= _events[^1].TimeNs;
            _events.Add(e);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
