namespace Pccl.Tests.StateSync.Support;

/// <summary>An in-process master and peers on loopback, admitted by real votes.</summary>
internal sealed class SyncCluster : IAsyncDisposable
{
    private readonly List<Communicator> _peers = [];

    private SyncCluster(MasterNode master) => Master = master;

    public MasterNode Master { get; }

    /// <summary>Accepted peers, ascending peer id (the order they joined).</summary>
    public IReadOnlyList<Communicator> Peers => _peers;

    public static async Task<SyncCluster> StartAsync(int peers, CancellationToken ct, uint group = 0)
    {
        var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var cluster = new SyncCluster(master);
        cluster._peers.Add(await Communicator.ConnectAsync(cluster.Options(group), ct: ct));
        if (peers > 1)
        {
            await cluster.AddAsync(peers - 1, group, ct);
        }

        return cluster;
    }

    public CommunicatorOptions Options(uint group) => CommunicatorOptions.Default with
    {
        MasterHost = "127.0.0.1",
        MasterPort = Master.Port,
        P2PBindAddress = "127.0.0.1",
        P2PPorts = new PortRange(25000, 25200),
        PeerGroup = group,
    };

    /// <summary>Connects <paramref name="count"/> peers of <paramref name="group"/> and admits them: every accepted peer votes.</summary>
    public async Task<Communicator[]> AddAsync(int count, uint group, CancellationToken ct)
    {
        var joining = Enumerable.Range(0, count).Select(_ => Communicator.ConnectAsync(Options(group), ct: ct)).ToList();
        var joined = new List<Communicator>();
        while (joining.Count > 0)
        {
            var pending = await Task.WhenAll(_peers.Select(p => p.ArePeersPendingAsync(ct)));
            if (!pending[0])
            {
                await Task.Delay(10, ct);
                continue;
            }

            await Task.WhenAll(_peers.Select(p => p.UpdateTopologyAsync(ct)));

            // Every admitted peer must be counted before the next vote, which needs all accepted peers.
            var admitted = _peers[0].GlobalWorldSize - _peers.Count;
            while (true)
            {
                var incomplete = joining.Where(t => !t.IsCompleted).ToList();
                if (joining.Count - incomplete.Count >= admitted)
                {
                    break;
                }

                if (incomplete.Count == 0)
                {
                    throw new InvalidOperationException($"the world has {admitted} new peers but only {joining.Count} were joining");
                }

                await Task.WhenAny(incomplete).WaitAsync(ct);
            }

            foreach (var done in joining.Where(t => t.IsCompleted).ToList())
            {
                joining.Remove(done);
                joined.Add(await done);
                _peers.Add(await done);
            }

            _peers.Sort((a, b) => a.PeerId.CompareTo(b.PeerId));
        }

        return [.. joined.OrderBy(p => p.PeerId)];
    }

    /// <summary>Disposes and forgets one peer.</summary>
    public async Task RemoveAsync(Communicator peer)
    {
        _peers.Remove(peer);
        await peer.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var peer in _peers)
        {
            await peer.DisposeAsync();
        }

        await Master.DisposeAsync();
    }
}
