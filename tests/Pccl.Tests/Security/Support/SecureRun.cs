using Pccl.Tests.Support;
namespace Pccl.Tests.Security.Support;

/// <summary>A master and peers in this process over loopback, with the security settings a test chooses.</summary>
internal static class SecureRun
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The p2p ports of these tests (27250 and up belong to the capture test alone).</summary>
    public static readonly PortRange Ports = new(27000, 27240);

    public static AuthOptions Auth(string secret) => new() { Enabled = true, Secret = secret };

    public static Task<MasterNode> StartMasterAsync(TlsOptions? tls, AuthOptions? auth, CancellationToken ct, TimeSpan? handshakeTimeout = null) =>
        MasterNode.StartAsync(MasterOptions.Default with
        {
            Port = 0,
            BindAddress = "127.0.0.1",
            HeartbeatTimeout = TimeSpan.FromSeconds(2),
            HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(5),
            Tls = tls ?? TlsOptions.Disabled,
            Auth = auth ?? AuthOptions.Disabled,
        }, ct: ct);

    public static CommunicatorOptions Peer(MasterNode master, TlsOptions? tls, AuthOptions? auth, PortRange? ports = null) => CommunicatorOptions.Default with
    {
        MasterHost = "127.0.0.1",
        MasterPort = master.Port,
        P2PBindAddress = "127.0.0.1",
        P2PPorts = ports ?? Ports,
        HeartbeatTimeout = TimeSpan.FromSeconds(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        P2PConnectionPoolSize = 1,
        Tls = tls ?? TlsOptions.Disabled,
        Auth = auth ?? AuthOptions.Disabled,
    };

    /// <summary>Admits peers one at a time: each newcomer is accepted once every accepted peer has voted.</summary>
    public static async Task<List<Communicator>> ConnectWorldAsync(CommunicatorOptions options, int size, CancellationToken ct)
    {
        var peers = new List<Communicator> { await Communicator.ConnectAsync(options, ct: ct) };
        try
        {
            while (peers.Count < size)
            {
                peers.Add(await JoinAsync(peers, options, ct));
            }
        }
        catch
        {
            await DisposeAllAsync(peers);
            throw;
        }

        return peers;
    }

    /// <summary>Connects one more peer and lets every accepted peer vote it in.</summary>
    public static Task<Communicator> JoinAsync(IReadOnlyList<Communicator> accepted, CommunicatorOptions options, CancellationToken ct) =>
        Admission.AdmitAsync(accepted, Communicator.ConnectAsync(options, ct: ct), ct);

    /// <summary>One all-reduce on every peer; each contributes rank + 1, so every element must end as n(n+1)/2.</summary>
    public static async Task AllReduceOnceAsync(IReadOnlyList<Communicator> peers, int elements, CancellationToken ct)
    {
        var buffers = peers.Select((_, i) => Enumerable.Repeat((float)(i + 1), elements).ToArray()).ToArray();
        await Task.WhenAll(peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct))).WaitAsync(Patience, ct);
        var expected = peers.Count * (peers.Count + 1) / 2f;
        foreach (var buffer in buffers)
        {
            Assert.All(buffer, v => Assert.Equal(expected, v));
        }
    }

    /// <summary>
    /// The run's first shared-state sync, each peer holding different content: the tie goes to the lowest peer id,
    /// peers[0], so every other peer pulls its content over a state connection to peers[0]'s p2p port.
    /// </summary>
    public static async Task SyncSharedStateOnceAsync(IReadOnlyList<Communicator> peers, CancellationToken ct)
    {
        const int elements = 64 * 1024;
        var values = peers.Select((_, i) => Enumerable.Repeat((float)i, elements).ToArray()).ToArray();
        var states = values.Select(v => new Pccl.SharedState([SharedStateEntry.Create<float>("w", v)], revision: 1)).ToArray();

        var infos = await Task.WhenAll(peers.Select((p, i) => p.SyncSharedStateAsync(states[i], ct: ct))).WaitAsync(Patience, ct);

        Assert.Equal((ulong)((peers.Count - 1) * elements * sizeof(float)), infos[0].TxBytes);
        Assert.All(infos.Skip(1), i => Assert.Equal((ulong)(elements * sizeof(float)), i.RxBytes));
        Assert.All(values, v => Assert.All(v, x => Assert.Equal(0f, x)));
    }

    public static async Task DisposeAllAsync(IEnumerable<Communicator> peers)
    {
        foreach (var p in peers)
        {
            await p.DisposeAsync();
        }
    }
}

/// <summary>All-reduces run back to back on a group of peers until stopped: the "ongoing run" other tests must not disturb.</summary>
internal sealed class AllReduceLoop
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _completed;

    public AllReduceLoop(IReadOnlyList<Communicator> peers, int elements = 64 * 1024) =>
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await SecureRun.AllReduceOnceAsync(peers, elements, CancellationToken.None);
                Interlocked.Increment(ref _completed);
            }
        });

    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Waits until at least <paramref name="more"/> further all-reduces have completed (and fails if the loop failed).</summary>
    public async Task WaitForMoreAsync(int more, CancellationToken ct)
    {
        var target = Completed + more;
        while (Completed < target)
        {
            if (_loop.IsCompleted)
            {
                await _loop; // surfaces the failure
                Assert.Fail("the all-reduce loop stopped");
            }

            await Task.Delay(10, ct);
        }
    }

    /// <summary>Stops after the all-reduce in flight; rethrows any failure of the loop.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(SecureRun.Patience);
        _stop.Dispose();
    }
}
