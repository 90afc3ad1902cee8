using System.Diagnostics;
using System.Text.Json;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Recovery;

/// <summary>A <c>pccl bench recovery-worker</c> process and the events it printed.</summary>
internal sealed class RecoveryPeer : IDisposable
{
    private readonly Process _process;
    private readonly List<RecoveryEvent> _events = [];
    private readonly Lock _gate = new();
    private string _lastLog = "";

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

    public string LastLog { get { lock (_gate) { return _lastLog; } } }

    /// <summary>Driver's monotonic time when the ready line arrived, for the clock check.</summary>
    public long ReadyReceivedNs { get; private set; }

    public IReadOnlyList<RecoveryEvent> Events { get { lock (_gate) { return [.. _events]; } } }

    public static RecoveryPeer Start(int masterPort, long elements) => new(SelfLauncher.Start(
        ["bench", "recovery-worker", "--master", $"127.0.0.1:{masterPort}", "--elements", elements.ToString(System.Globalization.CultureInfo.InvariantCulture)]));

    public IEnumerable<RecoveryEvent> After(long ns, string kind) => Events.Where(e => e.Kind == kind && e.TimeNs > ns);

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
