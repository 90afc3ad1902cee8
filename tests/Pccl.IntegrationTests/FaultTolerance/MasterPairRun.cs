using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Processes;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// Two real <c>pccl master</c> processes on one master store (by default a database of a private PostgreSQL 15 this run
/// starts), each on fixed control and status ports so it can be started again, and <c>pccl worker --json</c> processes
/// that list both masters.
/// </summary>
internal sealed class MasterPairRun : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(1) };
    private readonly PostgresServer? _database;
    private readonly string _range = FreePort.P2PRange();
    private readonly List<PcclProcess> _workers = [];
    private readonly PcclProcess?[] _masters = new PcclProcess?[2];
    private readonly int[] _ports = [FreePort.Tcp(), FreePort.Tcp()];
    private readonly int[] _statusPorts = [FreePort.Tcp(), FreePort.Tcp()];

    private MasterPairRun(PostgresServer? database, string store)
    {
        _database = database;
        Store = store;
    }

    public string Store { get; }

    public PostgresServer Database => _database ?? throw new InvalidOperationException("this run's store is not a PostgreSQL it started");

    public IReadOnlyList<PcclProcess> Workers => _workers;

    public string MasterList => string.Join(',', _ports.Select(p => $"127.0.0.1:{p}"));

    /// <summary>Starts PostgreSQL and a database for the pair; the masters are started by <see cref="StartMaster"/>.</summary>
    public static async Task<MasterPairRun> StartPostgresAsync()
    {
        var database = await PostgresServer.StartAsync();
        try
        {
            return new MasterPairRun(database, await database.CreateDatabaseAsync());
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>A pair on a store the caller owns (e.g. <c>sqlite:PATH</c>).</summary>
    public static MasterPairRun On(string store) => new(null, store);

    public PcclProcess Master(int index) => _masters[index] ?? throw new InvalidOperationException($"master {index} was not started");

    public int Port(int index) => _ports[index];

    /// <summary>Starts (or starts again, after it exited) master <paramref name="index"/> (0 or 1) on its ports, with <paramref name="environment"/> added.</summary>
    public PcclProcess StartMaster(int index, IReadOnlyDictionary<string, string>? environment = null)
    {
        _masters[index] = PcclProcess.Start($"m{index + 1}",
            ["master", "--host", "127.0.0.1", "--port", Invariant(_ports[index]), "--store", Store, "--log-file", "none",
                "--metrics-port", Invariant(_statusPorts[index])],
            new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["PCCL_NETWORK_ADVERTISE_ADDRESS"] = "127.0.0.1" });
        return _masters[index]!;
    }

    /// <summary>Starts a worker that lists both masters and trains (small steps, 20 ms apart).</summary>
    public PcclProcess StartWorker(string name, IReadOnlyDictionary<string, string>? environment = null, IEnumerable<string>? extra = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["PCCL_NETWORK_P2P_PORT_RANGE"] = _range,
            ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
        };
        var worker = PcclProcess.Start(name,
            ["worker", "--master", MasterList, "--json", "--elements", "4096", "--step-delay-ms", "20", "--log-file", "none", "--log-level", "WARN", .. extra ?? []],
            env);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Master <paramref name="index"/>'s <c>/status</c>: role, epoch and registered peers; null while it does not answer.</summary>
    public async Task<MasterRole?> StatusAsync(int index, CancellationToken ct = default)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{_statusPorts[index]}/status"), ct);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var root = document.RootElement;
            return new MasterRole(root.GetProperty("role").GetString() == "leader", root.GetProperty("epoch").GetUInt64(), root.GetProperty("peers").GetArrayLength());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            ct.ThrowIfCancellationRequested();
            return null;
        }
    }

    /// <summary>Waits until master <paramref name="index"/> answers with a role matching <paramref name="condition"/>, and returns that answer.</summary>
    public async Task<MasterRole> WaitForRoleAsync(int index, Func<MasterRole, bool> condition, string what)
    {
        MasterRole? seen = null;
        await WaitUntilAsync(async () => (seen = await StatusAsync(index)) is { } r && condition(r), what);
        return seen!;
    }

    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException($"not within {Patience.TotalSeconds} s: {what}\n{Logs()}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Every process's state and last log lines, for a failure message.</summary>
    public string Logs() => string.Join('\n', _masters.OfType<PcclProcess>().Concat(_workers)
        .Select(p => $"--- {p.Name} (exited: {p.HasExited}):\n{(p.Stderr.Length > 2000 ? p.Stderr[^2000..] : p.Stderr)}"));

    public Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Steps a worker completed, as printed.</summary>
    public static IReadOnlyList<JsonElement> Steps(PcclProcess worker) => worker.Steps();

    public static ulong Epoch(JsonElement step) => step.GetProperty("master_epoch").GetUInt64();

    public static ulong Revision(JsonElement step) => step.GetProperty("revision").GetUInt64();

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _workers.Concat(_masters.OfType<PcclProcess>()))
        {
            p.Signal(PosixSignals.Continue);
            await p.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What a master's <c>/status</c> says of its place: whether it leads, its epoch, and the peers registered with it.</summary>
internal sealed record MasterRole(bool IsLeader, ulong Epoch, int Peers);
