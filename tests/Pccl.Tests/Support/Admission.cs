namespace Pccl.Tests.Support;

/// <summary>Admitting peers the way the protocol asks: every accepted peer votes on every question.</summary>
public static class Admission
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Waits until the accepted peers see <paramref name="joining"/> pending, votes it in, and returns it.</summary>
    public static async Task<Communicator> AdmitAsync(IReadOnlyList<Communicator> accepted, Task<Communicator> joining, CancellationToken ct)
    {
        while (!(await Task.WhenAll(accepted.Select(p => p.ArePeersPendingAsync(ct))).WaitAsync(Patience, ct)).All(pending => pending))
        {
            if (joining.IsFaulted)
            {
                return await joining;
            }

            await Task.Delay(10, ct);
        }

        await Task.WhenAll(accepted.Select(p => p.UpdateTopologyAsync(ct))).WaitAsync(Patience, ct);
        return await joining.WaitAsync(Patience, ct);
    }

    /// <summary>Connects <paramref name="size"/> peers one at a time, each admitted by all before it.</summary>
    public static Task<List<Communicator>> ConnectWorldAsync(CommunicatorOptions options, int size, CancellationToken ct) =>
        ConnectWorldAsync(_ => options, size, ct);

    /// <summary>Connects <paramref name="size"/> peers one at a time, peer i with <paramref name="optionsOf"/>(i), each admitted by all before it.</summary>
    public static async Task<List<Communicator>> ConnectWorldAsync(Func<int, CommunicatorOptions> optionsOf, int size, CancellationToken ct)
    {
        var peers = new List<Communicator> { await Communicator.ConnectAsync(optionsOf(0), ct: ct) };
        while (peers.Count < size)
        {
            peers.Add(await AdmitAsync(peers, Communicator.ConnectAsync(optionsOf(peers.Count), ct: ct), ct));
        }

        return peers;
    }
}
