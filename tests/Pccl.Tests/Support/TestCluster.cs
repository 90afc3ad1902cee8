namespace Pccl.Tests.Support;

/// <summary>An in-process master and <c>n</c> communicators on loopback, all accepted.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(MasterNode master, Communicator[] peers)
    {
        Master = master;
        Peers = peers;
    }

    public MasterNode Master { get; }

    public Communicator[] Peers { get; }

    public static Task<TestCluster> StartAsync(int peers, Func<CommunicatorOptions, CommunicatorOptions>? configure = null, CancellationToken ct = default) =>
        StartAsync(Enumerable.Repeat("", peers).ToList(), configure, ct);

    /// <summary>One peer per label, peer i (ring position i) in region <paramref name="regions"/>[i].</summary>
    public static Task<TestCluster> StartAsync(IReadOnlyList<string> regions, Func<CommunicatorOptions, CommunicatorOptions>? configure = null, CancellationToken ct = default) =>
        StartAsync(regions, configure, perPeer: null, ct);

    /// <summary>As the overload without <paramref name="perPeer"/>, which adjusts peer i's options after <paramref name="configure"/>.</summary>
    public static async Task<TestCluster> StartAsync(
        IReadOnlyList<string> regions, Func<CommunicatorOptions, CommunicatorOptions>? configure, Func<int, CommunicatorOptions, CommunicatorOptions>? perPeer, CancellationToken ct)
    {
        var peers = regions.Count;
        var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var options = CommunicatorOptions.Default with
        {
            MasterHost = "127.0.0.1",
            MasterPort = master.Port,
            P2PBindAddress = "127.0.0.1",
            P2PPorts = P2PRanges.Next(),
        };
        options = configure?.Invoke(options) ?? options;
        var list = await Admission.ConnectWorldAsync(i => perPeer?.Invoke(i, options with { Region = regions[i] }) ?? options with { Region = regions[i] }, peers, ct);
        return new TestCluster(master, [.. list]);
    }

    /// <summary>Runs <paramref name="action"/> on every peer at once.</summary>
    public Task<T[]> OnAll<T>(Func<Communicator, int, Task<T>> action) => Task.WhenAll(Peers.Select((p, i) => action(p, i)));

    public async ValueTask DisposeAsync()
    {
        foreach (var p in Peers)
        {
            await p.DisposeAsync();
        }

        await Master.DisposeAsync();
    }
}
