using System.Globalization;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Deployment;

/// <summary>
/// Master failover in containers: two master containers share one SQLite store on a host folder mounted into both
/// (one machine, so SQLite's locks hold), two worker containers list both masters. The leader's container is
/// SIGKILLed; the standby takes the lease, the workers follow it and train on. Logs come from the containers' standard
/// output, where the image sends them.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public sealed class ContainerFailoverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task WorkersTrainOnWhenTheLeaderContainerIsKilled()
    {
        var store = Directory.CreateTempSubdirectory("pccl-store-");
        try
        {
            // The image runs as uid 10001: it must create the database and its journal in the shared folder.
            var (chmod, _, chmodErrors) = await Tool.RunAsync("chmod", ["0777", store.FullName]);
            Assert.True(chmod == 0, chmodErrors);
            // The containers go before the folder: a standby still running would write its journal while it is deleted.
            await using var containers = await PcclContainers.BuildAsync();
            await TrainThroughAFailoverAsync(containers, store.FullName);
        }
        finally
        {
            store.Delete(recursive: true);
        }
    }

    private static async Task TrainThroughAFailoverAsync(PcclContainers containers, string store)
    {
        var ports = new[] { FreePort.Tcp(), FreePort.Tcp() };
        var masterList = string.Join(',', ports.Select(p => $"127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}"));
        var common = new Dictionary<string, string>
        {
            ["PCCL_METRICS_PORT"] = "0", ["PCCL_METRICS_BIND_ADDRESS"] = "127.0.0.1", ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "2000",
        };
        var processes = new List<PcclProcess>();
        try
        {
            var first = StartMaster(containers, "m1", ports[0], common, store);
            processes.Add(first);
            await PcclProcess.WaitUntilAsync(() => Logged(first, "leads the cluster") || first.HasExited, Patience, "m1 leads", first);
            var second = StartMaster(containers, "m2", ports[1], common, store);
            processes.Add(second);
            await PcclProcess.WaitUntilAsync(() => Logged(second, "is a standby") || second.HasExited, Patience, "m2 stands by", second);

            var workerEnvironment = new Dictionary<string, string>(common)
            {
                ["PCCL_NETWORK_MASTER_HOST"] = masterList, ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange(), ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
            };
            var workers = new[] { "w1", "w2" }
                .Select(n => containers.Run(n, workerEnvironment, "worker", "--json", "--elements", "4096", "--step-delay-ms", "20")).ToArray();
            processes.AddRange(workers);
            await PcclProcess.WaitUntilAsync(() => workers.All(w => w.LastWorldSize == 2), Patience, "two worker containers at world size 2", [.. processes]);

            await containers.KillAsync("m1");
            var before = workers.Select(w => w.Steps().Count).ToArray();
            await PcclProcess.WaitUntilAsync(() => Logged(second, "leads the cluster"), Patience, "m2 takes the lease", [.. processes.Skip(1)]);
            // The follower logs the master's endpoint as the socket saw it (an IPv4-mapped address): match its port.
            var newLeader = $":{ports[1].ToString(CultureInfo.InvariantCulture)} at epoch 2";
            await PcclProcess.WaitUntilAsync(
                () => workers.All(w => w.StdoutLines.Any(l => l.Contains("now following master", StringComparison.Ordinal) && l.Contains(newLeader, StringComparison.Ordinal)))
                    && workers.Select((w, i) => w.Steps().Skip(before[i]).Count(s => s.GetProperty("world_size").GetInt32() == 2 && IsUnderTheNewLeader(s))).All(n => n >= 5),
                Patience, "both workers follow m2 and train on at world size 2", [.. processes.Skip(1)]);
            Assert.All(workers, w => Assert.False(w.HasExited, $"{w.Name} exited"));

            // Every all-reduce, named by the epoch of the master that numbered it and its number (each leader counts
            // from 1), gave one result on both workers; under the new leader both took part in some.
            var byOperation = workers.SelectMany(w => w.Steps())
                .GroupBy(s => (Epoch: s.GetProperty("master_epoch").GetUInt64(), Sequence: s.GetProperty("seq").GetUInt64())).ToList();
            Assert.Contains(byOperation, g => g.Key.Epoch == 2 && g.Count() == 2);
            Assert.All(byOperation, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static PcclProcess StartMaster(PcclContainers containers, string name, int port, IReadOnlyDictionary<string, string> common, string store) =>
        containers.RunWithVolumes(name, new Dictionary<string, string>(common)
        {
            ["PCCL_ROLE"] = "master",
            ["PCCL_NETWORK_MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["PCCL_NETWORK_ADVERTISE_ADDRESS"] = "127.0.0.1",
            ["PCCL_MASTER_STORE"] = "sqlite:/var/lib/pccl/master.db",
        }, [$"{store}:/var/lib/pccl"]);

    private static bool IsUnderTheNewLeader(System.Text.Json.JsonElement step) => step.GetProperty("master_epoch").GetUInt64() == 2;

    private static bool Logged(PcclProcess container, string text) => container.StdoutLines.Any(l => l.Contains(text, StringComparison.Ordinal));
}
