using System.Diagnostics;
using System.Text.Json;
using Pccl.Cli.Workload;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Processes;

/// <summary>
/// One <c>pccl worker --json</c> process of a demo or chaos run: the steps it reported, what the driver did to it
/// (killed, stopped, resumed) and its last log lines, so an unexpected exit can be told from an expected one.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private const int LogLines = 20;
    private readonly Process _process;
    private readonly List<StepReport> _reports = [];
    private readonly Queue<string> _log = new();
    private readonly Lock _gate = new();
    private int _openStreams = 2;

    private WorkerProcess(int index, Process process, TimeSpan startedAt)
    {
        Index = index;
        StartedAt = startedAt;
        _process = process;
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLog(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Index { get; }

    public int Pid => _process.Id;

    /// <summary>Driver time when the process was started.</summary>
    public TimeSpan StartedAt { get; }

    public bool Killed { get; private set; }

    /// <summary>Stopped now (SIGSTOP sent, SIGCONT not yet).</summary>
    public bool Stopped { get; private set; }

    /// <summary>Driver time at which a stopped worker is to be resumed.</summary>
    public TimeSpan ResumeAt { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>Exited, and its output and log were read to the end.</summary>
    public bool HasExitedAndDrained => _process.HasExited && Volatile.Read(ref _openStreams) == 0;

    /// <summary>The checkpoint it loaded before joining (its <c>resumed_revision</c> line); null when it started from zero.</summary>
    public ResumeReport? ResumedFrom { get; private set; }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Running and neither killed nor exited (it may be stopped).</summary>
    public bool Alive => !Killed && !_process.HasExited;

    public int StepCount { get { lock (_gate) { return _reports.Count; } } }

    public IReadOnlyList<StepReport> Reports { get { lock (_gate) { return [.. _reports]; } } }

    /// <summary>The reports from the <paramref name="first"/>-th on (0-based): what arrived since a reader's last look.</summary>
    public IReadOnlyList<StepReport> ReportsFrom(int first) { lock (_gate) { return _reports[Math.Min(first, _reports.Count)..]; } }

    /// <summary>The shared-state revision its last step left it at; 0 before the first.</summary>
    public ulong Revision { get { lock (_gate) { return _reports.Count > 0 ? _reports[^1].Revision : 0; } } }

    /// <summary>The peer id of its last step; 0 before the first.</summary>
    public ulong PeerId { get { lock (_gate) { return _reports.Count > 0 ? _reports[^1].PeerId : 0; } } }

    public string LogTail { get { lock (_gate) { return string.Join(Environment.NewLine, _log); } } }

    /// <summary>Its last log line; null before the first.</summary>
    public string? LastLog { get { lock (_gate) { return _log.LastOrDefault(); } } }

    /// <param name="environment">variables set for this worker only (configuration such as fault_tolerance.checkpoint_dir)</param>
    public static WorkerProcess Start(int index, int masterPort, int elements, int stepDelayMs, TimeSpan now, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(index, $"127.0.0.1:{masterPort}", elements, stepDelayMs, now, environment);

    /// <param name="masters">the <c>--master</c> list (<c>host:port</c>, comma-separated)</param>
    public static WorkerProcess Start(int index, string masters, int elements, int stepDelayMs, TimeSpan now, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = SelfLauncher.Start(
        [
            "worker", "--master", masters, "--json", "--elements", elements.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--step-delay-ms", stepDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "WARN", "--log-file", "none",
            "--metrics", "false", // up to 8 workers on one host: they would all want port 9090
        ], environment: environment);
        return new WorkerProcess(index, process, now);
    }

    public void Kill()
    {
        Killed = true;
        PosixSignals.Send(_process.Id, PosixSignals.Kill);
    }

    public void Stop(TimeSpan resumeAt)
    {
        Stopped = true;
        ResumeAt = resumeAt;
        PosixSignals.Send(_process.Id, PosixSignals.Stop);
    }

    public void Resume()
    {
        Stopped = false;
        PosixSignals.Send(_process.Id, PosixSignals.Continue);
    }

    /// <summary>
    /// Its log says the master removed it: a worker stopped long enough learns so when it wakes (kicked, or its
    /// heartbeats to the master went unanswered) and leaves with that error.
    /// </summary>
    public bool SaysRemoved => LogTail is var log
        && (log.Contains("error (Kicked", StringComparison.Ordinal) || log.Contains("error (MasterLost", StringComparison.Ordinal));

    /// <summary>Waits until the process has exited and its output was read to the end.</summary>
    public async Task WaitForExitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct).ConfigureAwait(false);
        while (!HasExitedAndDrained)
        {
            await Task.Delay(10, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the process: resumes it if stopped, asks it to stop, kills it after <paramref name="grace"/>.</summary>
    public async Task ShutdownAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (Stopped)
        {
            Resume();
        }

        Killed = true; // from here on an exit is ours
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

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            Interlocked.Decrement(ref _openStreams);
            return;
        }

        if (!line.StartsWith('{'))
        {
            return;
        }

        try
        {
            if (line.Contains("\"resumed_revision\"", StringComparison.Ordinal))
            {
                ResumedFrom = JsonSerializer.Deserialize(line, WorkerJson.Default.ResumeReport);
            }
            else if (JsonSerializer.Deserialize(line, WorkerJson.Default.StepReport) is { ResultHash: not null } report)
            {
                lock (_gate)
                {
                    _reports.Add(report);
                }
            }
        }
        catch (JsonException)
        {
            OnLog($"unparsable output: {line}");
        }
    }

    private void OnLog(string? line)
    {
        if (line is null)
        {
            Interlocked.Decrement(ref _openStreams);
            return;
        }

        lock (_gate)
        {
            _log.Enqueue(line);
            while (_log.Count > LogLines)
            {
                _log.Dequeue();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
