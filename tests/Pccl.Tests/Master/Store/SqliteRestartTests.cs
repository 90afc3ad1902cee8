using Pccl.Tests.Support;
using static Pccl.Tests.StateSync.Support.StateBuilder;

namespace Pccl.Tests.Master.Store;

/// <summary>
/// One master on SQLite, restarted: it comes back in the next epoch with the revisions its peers reached, so a stale peer
/// that reaches it first cannot take its group back.
/// </summary>
public sealed class SqliteRestartTests : IDisposable
{
    private const int Bytes = 256 * 1024;
    private readonly TempDirectory _files = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private MasterOptions Master => MasterOptions.Default with { BindAddress = "127.0.0.1", Port = 0, Store = "sqlite:" + Path.Combine(_files.Path, "master.db") };

    [Fact]
    public async Task AStalePeerAloneAtTheRestartedMasterIsRefusedInsteadOfTakingTheGroupBack()
    {
        await RunToRevisionThreeAsync();
        await using var restarted = await MasterNode.StartAsync(Master, ct: Ct);
        Assert.Equal(2UL, restarted.Epoch);
        await using var stale = (await Admission.ConnectWorldAsync(Peer(restarted.Port), 1, Ct)).Single();

        var e = await Assert.ThrowsAsync<PcclException>(() => stale.SyncSharedStateAsync(Make(1, Bytes, seed: 9, "w"), ct: Ct));

        Assert.Equal(PcclErrorCode.SharedStateMismatch, e.Code);
        Assert.Contains("was at shared-state revision 3", e.Message);
    }

    [Fact]
    public async Task AStalePeerBesideAnUpToDateOneReceivesTheCurrentState()
    {
        var current = await RunToRevisionThreeAsync();
        await using var restarted = await MasterNode.StartAsync(Master, ct: Ct);
        var peers = await Admission.ConnectWorldAsync(Peer(restarted.Port), 2, Ct);
        try
        {
            var states = new[] { Make(1, Bytes, seed: 9, "w"), current };
            var infos = await Task.WhenAll(peers.Select((p, i) => p.SyncSharedStateAsync(states[i], ct: Ct)));

            Assert.All(infos, i => Assert.Equal(3UL, i.Revision));
            Assert.Equal((0UL, (ulong)Bytes), (infos[1].RxBytes, infos[0].RxBytes));
            Assert.True(SameContent(Make(3, Bytes, seed: 5, "w"), states[0]));
        }
        finally
        {
            foreach (var p in peers)
            {
                await p.DisposeAsync();
            }
        }
    }

    public void Dispose() => _files.Dispose();

    /// <summary>A first master and two peers sync revisions 1, 2 and 3; returns a peer's state at revision 3.</summary>
    private async Task<SharedState> RunToRevisionThreeAsync()
    {
        await using var master = await MasterNode.StartAsync(Master, ct: Ct);
        Assert.Equal(1UL, master.Epoch);
        var peers = await Admission.ConnectWorldAsync(Peer(master.Port), 2, Ct);
        try
        {
            var states = peers.Select(_ => Make(0, Bytes, seed: 5, "w")).ToArray();
            for (var revision = 1UL; revision <= 3; revision++)
            {
                foreach (var s in states)
                {
                    s.Revision = revision;
                }

                await Task.WhenAll(peers.Select((p, i) => p.SyncSharedStateAsync(states[i], ct: Ct)));
            }

            return states[0];
        }
        finally
        {
            foreach (var p in peers)
            {
                await p.DisposeAsync();
            }
        }
    }

    private static CommunicatorOptions Peer(int masterPort) => CommunicatorOptions.Default with
    {
        MasterHost = "127.0.0.1",
        MasterPort = masterPort,
        P2PBindAddress = "127.0.0.1",
        P2PPorts = P2PRanges.Next(),
    };
}
