using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Pccl.Hosting.Processes;

namespace Pccl.IntegrationTests.Support;

/// <summary>A running <c>pccl</c> process: its output lines, its JSON step reports, signals, and waiting for conditions.</summary>
internal sealed class PcclProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private int _disposed;

    private PcclProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _stdout.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _stderr.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> StdoutLines => [.. _stdout];

    public string Stderr => string.Join('\n', _stderr);

    /// <summary>
    /// <c>pccl master</c> and <c>pccl worker</c> serve metrics by default on port 9090; tests run many of them at once, so each
    /// gets a free loopback port unless the test sets one (the bound port is logged, see <see cref="MetricsPort"/>).
    /// </summary>
    private static readonly Dictionary<string, string> MetricsDefaults = new()
    {
        ["PCCL_METRICS_PORT"] = "0",
        ["PCCL_METRICS_BIND_ADDRESS"] = "127.0.0.1",
    };

    /// <summary>
    /// Starts <c>pccl</c>; in <paramref name="networkNamespace"/> when given (<c>ip netns exec</c> execs, so the pid stays the
    /// tool's). In a namespace of its own the process keeps the tool's metrics defaults, since no other test shares its ports.
    /// </summary>
    public static PcclProcess Start(string name, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? networkNamespace = null)
    {
        var info = new ProcessStartInfo(networkNamespace is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (networkNamespace is not null)
        {
            foreach (var a in (string[])["netns", "exec", networkNamespace, "dotnet"])
            {
                info.ArgumentList.Add(a);
            }
        }

        info.ArgumentList.Add(PcclBinary.DllPath);
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("PCCL_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        var defaults = networkNamespace is null ? MetricsDefaults : [];
        foreach (var (k, v) in defaults.Concat(environment ?? new Dictionary<string, string>()))
        {
            info.Environment[k] = v;
        }

        return new PcclProcess(Process.Start(info)!, name);
    }

    /// <summary>Starts any command whose output is a <c>pccl</c> process's (e.g. <c>podman run</c> of the pccl image).</summary>
    public static PcclProcess StartCommand(string name, string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return new PcclProcess(Process.Start(info)!, name);
    }

    /// <summary>Starts a master and returns once it accepts connections.</summary>
    public static async Task<PcclProcess> StartMasterAsync(int port, IReadOnlyDictionary<string, string>? environment = null)
    {
        var master = Start("master", ["master", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-file", "none"], environment);
        await WaitUntilAsync(() => master.Stderr.Contains("master ready", StringComparison.Ordinal) || master.HasExited, TimeSpan.FromSeconds(30), "master ready", master);
        return master;
    }

    public static PcclProcess StartWorker(string name, int masterPort, string p2pRange, IEnumerable<string>? extra = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["PCCL_NETWORK_P2P_PORT_RANGE"] = p2pRange,
            ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
        };
        string[] extraArgs = [.. extra ?? []];
        // a workload option in extra replaces the default (an option given twice is an error)
        var workload = new[] { ("--elements", "4096"), ("--step-delay-ms", "20") }
            .Where(o => !extraArgs.Contains(o.Item1)).SelectMany(o => new[] { o.Item1, o.Item2 });
        return Start(name, ["worker", "--master", $"127.0.0.1:{masterPort}", "--json", .. workload, "--log-file", "none", .. extraArgs], env);
    }

    /// <summary>Every <c>--json</c> line printed so far: step reports, and the fault, failed-attempt and resume lines.</summary>
    public IReadOnlyList<JsonElement> JsonLines() =>
        [.. _stdout.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)];

    /// <summary>The step reports printed so far (the <c>--json</c> lines of completed steps).</summary>
    public IReadOnlyList<JsonElement> Steps() => [.. JsonLines().Where(l => l.TryGetProperty("result_hash", out _))];

    public JsonElement? LastStep()
    {
        var steps = Steps();
        return steps.Count == 0 ? null : steps[^1];
    }

    public int LastWorldSize => LastStep()?.GetProperty("world_size").GetInt32() ?? 0;

    /// <summary>The port of the metrics endpoint as the process logged it ("metrics port N"), or null before that line.</summary>
    public int? MetricsPort
    {
        get
        {
            const string marker = "(metrics port ";
            foreach (var line in _stderr)
            {
                var at = line.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var digits = new string([.. line[(at + marker.Length)..].TakeWhile(char.IsAsciiDigit)]);
                    return int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return null;
        }
    }

    /// <summary>Waits until the process logged its metrics port and returns it.</summary>
    public async Task<int> WaitForMetricsPortAsync(TimeSpan timeout)
    {
        await WaitUntilAsync(() => MetricsPort is not null || HasExited, timeout, $"{Name} logs its metrics port", this);
        return MetricsPort ?? throw new InvalidOperationException($"{Name} exited before serving metrics:\n{Stderr}");
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails with the process's output when it does not in time.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, params PcclProcess[] watched)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                var logs = string.Join("\n", watched.Select(p => $"--- {p.Name} (exited: {p.HasExited}) stderr:\n{Tail(p.Stderr)}\nstdout:\n{Tail(string.Join('\n', p.StdoutLines))}"));
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}\n{logs}");
            }

            await Task.Delay(25);
        }
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Kill() => _process.Kill();

    /// <summary>Sends <paramref name="signal"/>; false once disposed (its process is gone) or when the send failed.</summary>
    public bool Signal(int signal) => Volatile.Read(ref _disposed) == 0 && PosixSignals.Send(_process.Id, signal);

    /// <summary>
    /// Sends Ctrl+C's SIGINT; or SIGTERM, which the tool handles the same way, when this test process inherited SIGINT
    /// ignored (a suite started in the background by a shell), since its children then inherit that too.
    /// </summary>
    public bool Interrupt() => Signal(SigintIgnoredHere() ? 15 : 2);

    private static bool SigintIgnoredHere()
    {
        var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return ignored is not null
            && (ulong.Parse(ignored["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & (1UL << 1)) != 0;
    }

    /// <summary>Kills the process if it still runs; a second call does nothing (a fixture may dispose what a test already did).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
