using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Pccl.Cli.Processes;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Bench.Failover;

/// <summary>
/// One <c>pccl master</c> process of <c>pccl bench failover</c> on a shared store, on a fixed control port so it can be
/// started again after a kill, and its <c>/status</c> read on a fixed metrics port.
/// </summary>
internal sealed class FailoverMaster : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMilliseconds(500) };
    private readonly string _store;
    private Process? _process;

    private readonly int _leaseTtlMs;

    private FailoverMaster(string name, string store, int leaseTtlMs, int port, int statusPort)
    {
        Name = name;
        _store = store;
        _leaseTtlMs = leaseTtlMs;
        Port = port;
        StatusPort = statusPort;
    }

    public string Name { get; }

    public int Port { get; }

    public int StatusPort { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public bool Stopped { get; private set; }

    public static FailoverMaster Start(string name, string store, int leaseTtlMs)
    {
        var master = new FailoverMaster(name, store, leaseTtlMs, LoopbackPorts.FreeTcpAndUdp(), LoopbackPorts.FreeTcp());
        master.Restart();
        return master;
    }

    /// <summary>Starts the process (again, after a kill) on the same ports and store.</summary>
    public void Restart()
    {
        _process?.Dispose();
        Stopped = false;
        _process = SelfLauncher.Start(
        [
            "master", "--host", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--store", _store,
            "--metrics-port", StatusPort.ToString(CultureInfo.InvariantCulture), "--log-level", "WARN", "--log-file", "none",
        ], environment: new Dictionary<string, string>
        {
            ["PCCL_NETWORK_ADVERTISE_ADDRESS"] = "127.0.0.1",
            ["PCCL_METRICS_BIND_ADDRESS"] = "127.0.0.1",
            ["PCCL_MASTER_LEASE_TTL_MS"] = _leaseTtlMs.ToString(CultureInfo.InvariantCulture),
        });
        // read and dropped: the bench's own output stays one JSON line per scenario
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public void Signal(int signal)
    {
        Stopped = signal == PosixSignals.Stop;
        PosixSignals.Send(_process!.Id, signal);
    }

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>Its <c>/status</c> now; null while it does not answer (dead, stopped, or not yet serving).</summary>
    public async Task<MasterView?> ReadStatusAsync(CancellationToken ct)
    {
        try
        {
            await using var body = await Http.GetStreamAsync(new Uri($"http://127.0.0.1:{StatusPort}/status"), ct).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct).ConfigureAwait(false);
            var root = document.RootElement;
            return new MasterView(
                root.GetProperty("role").GetString() == "leader",
                root.GetProperty("epoch").GetUInt64(),
                root.GetProperty("peers").GetArrayLength(),
                root.GetProperty("world_size").GetInt32(),
                root.TryGetProperty("lease_expires", out var expires) && expires.ValueKind == JsonValueKind.String ? expires.GetDateTimeOffset() : null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException or KeyNotFoundException)
        {
            ct.ThrowIfCancellationRequested();
            return null;
        }
    }

    public void Dispose()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (Stopped)
            {
                PosixSignals.Send(_process.Id, PosixSignals.Continue);
            }

            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}

/// <summary>
/// What a master's <c>/status</c> says of its role: whether it leads, its epoch, how many peers it has registered and
/// accepted, and when its lease ends on the store's clock as of its last attempt.
/// </summary>
internal sealed record MasterView(bool IsLeader, ulong Epoch, int Peers, int Accepted, DateTimeOffset? LeaseExpires);
