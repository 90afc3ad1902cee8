using System.Globalization;
using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// A master process and <c>pccl worker --report-attempts</c> processes on loopback, where a worker may inject a fault into
/// itself mid all-reduce (<c>--inject-fault</c>), and readers for the step, failed-attempt and fault lines they print.
/// </summary>
internal sealed class FaultRun : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>64 MiB of float32 per all-reduce: at three peers each receives about 43 MiB in 24 pieces of at most 4 MiB, so a fault lands well inside the data.</summary>
    public const int LargeElements = 16 << 20;

    private readonly List<PcclProcess> _processes = [];
    private readonly string _range = FreePort.P2PRange();

    private FaultRun(int port, int elements)
    {
        Port = port;
        Elements = elements;
        Audit = new ContributionAudit(elements);
    }

    public int Port { get; }

    public int Elements { get; }

    public ContributionAudit Audit { get; }

    public PcclProcess Master => _processes[0];

    /// <param name="elements">float32 elements each worker all-reduces per step.</param>
    /// <param name="heartbeatTimeoutMs">network.heartbeat_timeout_ms of the master (the workers keep the default).</param>
    public static async Task<FaultRun> StartAsync(int elements = LargeElements, int? heartbeatTimeoutMs = null)
    {
        var port = FreePort.Tcp();
        var run = new FaultRun(port, elements);
        var env = new Dictionary<string, string>();
        if (heartbeatTimeoutMs is { } timeout)
        {
            env["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = timeout.ToString(CultureInfo.InvariantCulture);
        }

        run._processes.Add(await PcclProcess.StartMasterAsync(port, env));
        return run;
    }

    /// <param name="fault">The <c>--inject-fault</c> spec (e.g. <c>kill@3:1/3</c>), or null.</param>
    /// <param name="reconnectMs">fault_tolerance.master_reconnect_timeout_ms; 0 makes a worker exit when it loses the master.</param>
    /// <param name="heartbeatTimeoutMs">network.heartbeat_timeout_ms of the worker (the master keeps the default).</param>
    /// <param name="environment">Extra environment variables.</param>
    public PcclProcess StartWorker(string name, string? fault = null, int? reconnectMs = null, int? heartbeatTimeoutMs = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
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

        string[] inject = fault is null ? [] : ["--inject-fault", fault];
        var worker = PcclProcess.Start(name,
            ["worker", "--master", $"127.0.0.1:{Port}", "--json", "--report-attempts", "--elements", Elements.ToString(CultureInfo.InvariantCulture),
                "--log-file", "none", "--log-level", "WARN", .. inject],
            env);
        _processes.Add(worker);
        return worker;
    }

    public Task WaitUntilAsync(Func<bool> condition, string what) => PcclProcess.WaitUntilAsync(condition, Patience, what, [.. _processes]);

    /// <summary>Completed steps (lines with a result).</summary>
    public static IReadOnlyList<JsonElement> Steps(PcclProcess p) => Lines(p, "result_hash");

    /// <summary>Failed attempts, each printed once the library had restored the buffer.</summary>
    public static IReadOnlyList<JsonElement> FailedAttempts(PcclProcess p) => Lines(p, "failed_attempt_step");

    /// <summary>Lines stamped after monotonic time <paramref name="ns"/>.</summary>
    public static IEnumerable<JsonElement> After(IEnumerable<JsonElement> lines, long ns) => lines.Where(s => Time(s) > ns);

    public static JsonElement? Fault(PcclProcess p) => Lines(p, "fault").Cast<JsonElement?>().FirstOrDefault();

    public static long Time(JsonElement line) => line.GetProperty("t_ns").GetInt64();

    public static ulong PeerId(JsonElement line) => line.GetProperty("peer_id").GetUInt64();

    public static int World(JsonElement step) => step.GetProperty("world_size").GetInt32();

    public static int Retries(JsonElement step) => step.GetProperty("retries").GetInt32();

    /// <summary>Every operation a master numbered (its epoch and number) produced one result on every peer that reported it.</summary>
    public static void AssertOneResultPerOperation(params PcclProcess[] workers)
    {
        var bySequence = workers.SelectMany(Steps).GroupBy(s => (s.GetProperty("master_epoch").GetUInt64(), s.GetProperty("seq").GetUInt64()));
        Assert.All(bySequence, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
    }

    /// <summary>The largest piece (performance.ring_chunk_size's default): a fault fires at the first piece that reaches its fraction.</summary>
    private const long MaxPieceBytes = 4 << 20;

    /// <summary>The fault line shows it fired mid-operation, at the first piece that took this peer past a third of its bytes.</summary>
    public static JsonElement AssertFiredAtAThird(PcclProcess worker)
    {
        var fault = Fault(worker)!.Value;
        var moved = fault.GetProperty("moved_bytes").GetInt64();
        var total = fault.GetProperty("total_bytes").GetInt64();
        Assert.InRange(moved, (total + 2) / 3, (total / 3) + MaxPieceBytes);
        Assert.True(moved < total, $"{worker.Name} fired after its data had all moved: {fault}");
        return fault;
    }

    /// <summary>Every survivor had a failed attempt after the fault, and after each its buffer held its input again.</summary>
    public static void AssertRestoredAfterTheFault(FaultRun run, PcclProcess worker, long faultAt)
    {
        var attempts = After(FailedAttempts(worker), faultAt).ToList();
        Assert.True(attempts.Count >= 1, $"{worker.Name} reported no failed attempt after the fault");
        run.Audit.AssertRestored(worker, attempts);
    }

    public static void AssertExactSums(FaultRun run, params PcclProcess[] workers)
    {
        foreach (var w in workers)
        {
            run.Audit.AssertExactSums(w);
        }

        AssertOneResultPerOperation(workers);
    }

    private static List<JsonElement> Lines(PcclProcess p, string property) => [.. p.JsonLines().Where(s => s.TryGetProperty(property, out _))];

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            p.Signal(Pccl.Hosting.Processes.PosixSignals.Continue);
            await p.DisposeAsync();
        }
    }
}
