using System.Globalization;
using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// A master process and <c>pccl worker --verify</c> processes on loopback, where a worker may inject a fault into itself
/// mid all-reduce (<c>PCCL_TEST_FAULT</c>), and readers for the step and fault lines they print.
/// </summary>
internal sealed class FaultRun : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>8 MiB: large enough that pieces are still moving when a fault fires.</summary>
    private const int Elements = 1 << 21;

    private readonly List<PcclProcess> _processes = [];
    private readonly string _range = FreePort.P2PRange();

    private FaultRun(int port) => Port = port;

    public int Port { get; }

    public PcclProcess Master => _processes[0];

    public IReadOnlyList<PcclProcess> All => _processes;

    /// <param name="heartbeatTimeoutMs">network.heartbeat_timeout_ms of the master (the workers keep the default).</param>
    public static async Task<FaultRun> StartAsync(int? heartbeatTimeoutMs = null)
    {
        var port = FreePort.Tcp();
        var run = new FaultRun(port);
        var env = new Dictionary<string, string>();
        if (heartbeatTimeoutMs is { } timeout)
        {
            env["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = timeout.ToString(CultureInfo.InvariantCulture);
        }

        run._processes.Add(await PcclProcess.StartMasterAsync(port, env));
        return run;
    }

    /// <param name="reconnectMs">fault_tolerance.master_reconnect_timeout_ms; 0 makes a worker exit when it loses the master.</param>
    /// <param name="heartbeatTimeoutMs">network.heartbeat_timeout_ms of the worker (the master keeps the default).</param>
    public PcclProcess StartWorker(string name, string? fault = null, int? reconnectMs = null, int? heartbeatTimeoutMs = null)
    {
        var env = new Dictionary<string, string>
        {
            ["PCCL_NETWORK_P2P_PORT_RANGE"] = _range,
            ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
        };
        if (reconnectMs is { } ms)
        {
            env["PCCL_FAULT_TOLERANCE_MASTER_RECONNECT_TIMEOUT_MS"] = ms.ToString(CultureInfo.InvariantCulture);
        }

        if (heartbeatTimeoutMs is { } timeout)
        {
            env["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = timeout.ToString(CultureInfo.InvariantCulture);
        }

        if (fault is not null)
        {
            env["PCCL_TEST_FAULT"] = fault;
        }

        var worker = PcclProcess.Start(name,
            ["worker", "--master", $"127.0.0.1:{Port}", "--json", "--verify", "--elements", Elements.ToString(CultureInfo.InvariantCulture), "--log-file", "none", "--log-level", "WARN"],
            env);
        _processes.Add(worker);
        return worker;
    }

    public Task WaitUntilAsync(Func<bool> condition, string what) => PcclProcess.WaitUntilAsync(condition, Patience, what, [.. _processes]);

    /// <summary>Completed steps (lines with a result), without the fault lines.</summary>
    public static IReadOnlyList<JsonElement> Steps(PcclProcess p) =>
        [.. p.Steps().Where(s => s.TryGetProperty("result_hash", out _))];

    /// <summary>Steps completed after monotonic time <paramref name="ns"/>.</summary>
    public static IEnumerable<JsonElement> After(PcclProcess p, long ns) => Steps(p).Where(s => s.GetProperty("t_ns").GetInt64() > ns);

    public static JsonElement? Fault(PcclProcess p) =>
        p.Steps().Where(s => s.TryGetProperty("fault", out _)).Cast<JsonElement?>().FirstOrDefault();

    public static int World(JsonElement step) => step.GetProperty("world_size").GetInt32();

    public static int Retries(JsonElement step) => step.GetProperty("retries").GetInt32();

    public static bool Flag(JsonElement step, string name) => step.TryGetProperty(name, out var v) && v.GetBoolean();

    /// <summary>Every operation the master numbered produced one result on every peer that reported it.</summary>
    public static void AssertOneResultPerOperation(params PcclProcess[] workers)
    {
        var bySequence = workers.SelectMany(Steps).GroupBy(s => s.GetProperty("seq").GetUInt64());
        Assert.All(bySequence, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            p.Signal(Pccl.Hosting.Processes.PosixSignals.Continue);
            await p.DisposeAsync();
        }
    }
}
