namespace Pccl.IntegrationTests.Support;

/// <summary>A master process and the <c>pccl worker</c> processes started against it, all stopped together.</summary>
internal sealed class LoopbackRun : IAsyncDisposable
{
    private readonly List<PcclProcess> _processes = [];
    private readonly string _range = FreePort.P2PRange();

    private LoopbackRun(int port) => Port = port;

    public int Port { get; }

    public PcclProcess Master => _processes[0];

    public IReadOnlyList<PcclProcess> All => _processes;

    public static async Task<LoopbackRun> StartAsync()
    {
        var run = new LoopbackRun(FreePort.Tcp());
        run._processes.Add(await PcclProcess.StartMasterAsync(run.Port));
        return run;
    }

    public PcclProcess StartWorker(string name, IEnumerable<string>? extra = null)
    {
        var worker = PcclProcess.StartWorker(name, Port, _range, extra);
        _processes.Add(worker);
        return worker;
    }

    /// <summary>Starts <paramref name="count"/> workers and waits until each reports a step at that world size.</summary>
    public async Task<PcclProcess[]> StartWorldAsync(int count, TimeSpan patience)
    {
        var workers = Enumerable.Range(1, count).Select(i => StartWorker($"w{i}")).ToArray();
        await WaitUntilAsync(() => workers.All(w => w.LastWorldSize == count), patience, $"{count} workers at world size {count}");
        return workers;
    }

    public Task WaitUntilAsync(Func<bool> condition, TimeSpan patience, string what) =>
        PcclProcess.WaitUntilAsync(condition, patience, what, [.. _processes]);

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            await p.DisposeAsync();
        }
    }
}
