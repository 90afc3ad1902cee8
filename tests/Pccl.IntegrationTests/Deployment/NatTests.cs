using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Deployment;

/// <summary>
/// Workers behind NAT (<see cref="NatTopology"/>): the master sees every worker as the NAT's address, which no worker
/// can dial. Without <c>network.advertise_address</c> the ring cannot form and the error names the setting; with it,
/// the workers train.
/// </summary>
public sealed class NatTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Processes starting on two cores shared with other test runs stall past the default 500 ms heartbeat timeout.</summary>
    private static readonly Dictionary<string, string> SlowHost = new() { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "2000" };

    [Fact]
    public async Task WithoutAdvertisedAddressesTheErrorNamesTheSetting()
    {
        using var nat = NatTopology.Create(workers: 2);
        await using var master = await StartMasterAsync(nat);
        await using var w1 = StartWorker(nat, 1, advertise: false);
        await using var w2 = StartWorker(nat, 2, advertise: false);

        await PcclProcess.WaitUntilAsync(() => (w1.Stderr.Contains("network.advertise_address", StringComparison.Ordinal)
            && w2.Stderr.Contains("network.advertise_address", StringComparison.Ordinal)) || w1.HasExited || w2.HasExited,
            Patience, "both workers name network.advertise_address", master, w1, w2);
        Assert.False(w1.HasExited || w2.HasExited, $"a worker exited:\n{w1.Stderr}\n{w2.Stderr}");

        // The address they were told to dial is the NAT's, as the master observed it.
        Assert.Contains($"at {NatTopology.RouterAddress}:", w1.Stderr, StringComparison.Ordinal);
        Assert.Contains("set network.advertise_address", w2.Stderr, StringComparison.Ordinal);
        Assert.Empty(w1.Steps());
        Assert.Empty(w2.Steps());
    }

    [Fact]
    public async Task WithAdvertisedAddressesTheRunTrainsAcrossTheNat()
    {
        using var nat = NatTopology.Create(workers: 3);
        await using var master = await StartMasterAsync(nat);
        var workers = Enumerable.Range(1, 3).Select(i => StartWorker(nat, i, advertise: true)).ToArray();
        try
        {
            PcclProcess[] watched = [master, .. workers];
            await PcclProcess.WaitUntilAsync(() => workers.All(w => w.Steps().Count(s => s.GetProperty("world_size").GetInt32() == 3) >= 3),
                Patience, "three workers complete three steps at world size 3", watched);

            // Every all-reduce the master numbered gave one result on every peer, and some crossed the router to all three.
            var bySequence = workers.SelectMany(w => w.Steps()).GroupBy(s => s.GetProperty("seq").GetUInt64()).ToList();
            Assert.All(bySequence, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
            Assert.Contains(bySequence, g => g.Count() == 3);
            Assert.DoesNotContain("network.advertise_address", string.Join('\n', workers.Select(w => w.Stderr)), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }
        }
    }

    private static async Task<PcclProcess> StartMasterAsync(NatTopology nat)
    {
        var master = PcclProcess.Start("master", ["master", "--host", NatTopology.MasterAddress, "--log-file", "none"], SlowHost, nat.MasterNamespace);
        await PcclProcess.WaitUntilAsync(() => master.Stderr.Contains("master ready", StringComparison.Ordinal) || master.HasExited, Patience, "master ready", master);
        Assert.False(master.HasExited, master.Stderr);
        return master;
    }

    private static PcclProcess StartWorker(NatTopology nat, int index, bool advertise)
    {
        string[] advertised = advertise ? ["--advertise-address", NatTopology.WorkerAddress(index)] : [];
        return PcclProcess.Start($"w{index}",
            ["worker", "--master", $"{NatTopology.MasterAddress}:7117", "--json", "--elements", "4096", "--step-delay-ms", "20", "--log-file", "none", .. advertised],
            SlowHost, nat.WorkerNamespace(index));
    }
}
