using System.Diagnostics;
using System.Text.Json;
using Pccl.Cli.Workload;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Demo;

/// <summary>A <c>pccl worker --json</c> child process and the step reports it printed.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<StepReport> _reports = [];
    private readonly Lock _gate = new();

    private WorkerProcess(int index, Process process)
    {
        Index = index;
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_gate) { LastLog = e.Data; } } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Index { get; }

    public int Pid => _process.Id;

    public bool Killed { get; private set; }

    public string? LastLog { get; private set; }

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public ulong PeerId { get { lock (_gate) { return _reports.Count > 0 ? _reports[^1].PeerId : 0; } } }

    public IReadOnlyList<StepReport> Reports { get { lock (_gate) { return [.. _reports]; } } }

    public static WorkerProcess Start(int index, IEnumerable<string> arguments) => new(index, SelfLauncher.Start(arguments));

    private void OnLine(string? line)
    {
        if (line is null || !line.StartsWith('{'))
        {
            return;
        }

        var report = JsonSerializer.Deserialize(line, StepReportJson.Default.StepReport);
        if (report is not null)
        {
            lock (_gate)
            {
                _reports.Add(report);
            }
        }
    }

    public void KillHard()
    {
        Killed = true;
        _process.Kill();
    }

    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        PosixSignals.Send(_process.Id, PosixSignals.Term);
        using var wait = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
