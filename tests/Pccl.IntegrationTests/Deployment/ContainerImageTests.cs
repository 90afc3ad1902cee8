using System.Globalization;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Deployment;

/// <summary>
/// The container image, built by <c>deploy/container/build.sh</c> from a Debian-made base: a master (its role from
/// <c>PCCL_ROLE</c>, its config from the image's <c>/etc/pccl/pccl_config.yaml</c>) and three workers as containers
/// train; one container is SIGKILLed, the others recover, a new container joins, and every all-reduce the master
/// numbered gave one result on every worker. Then a worker container stops cleanly on SIGTERM.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public sealed class ContainerImageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task MasterAndWorkersTrainInContainersSurviveAKillAndTakeANewcomer()
    {
        await using var containers = await PcclContainers.BuildAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(containers.BuildReport);
        var port = FreePort.Tcp().ToString(CultureInfo.InvariantCulture);
        var range = FreePort.P2PRange();
        // Host networking shares this machine's ports with other tests: free ports instead of the image's defaults.
        // A longer heartbeat timeout: four containers starting on two cores shared with other test runs stall past 500 ms.
        var common = new Dictionary<string, string>
        {
            ["PCCL_NETWORK_MASTER_PORT"] = port, ["PCCL_METRICS_PORT"] = "0", ["PCCL_METRICS_BIND_ADDRESS"] = "127.0.0.1",
            ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "2000",
        };
        var master = containers.Run("master", new Dictionary<string, string>(common) { ["PCCL_ROLE"] = "master" });
        var workerEnvironment = new Dictionary<string, string>(common)
        {
            ["PCCL_NETWORK_P2P_PORT_RANGE"] = range, ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
        };
        var workers = new List<PcclProcess>();
        try
        {
            // The image logs to standard output (PCCL_LOGGING_CONSOLE=stdout), where container runtimes collect a service's logs.
            await PcclProcess.WaitUntilAsync(() => master.StdoutLines.Any(l => l.Contains("master ready", StringComparison.Ordinal)) || master.HasExited, Patience,
                "master container ready (logged to stdout)", master);
            workers.AddRange(new[] { "w1", "w2", "w3" }.Select(n => StartWorker(containers, n, workerEnvironment)));
            await PcclProcess.WaitUntilAsync(() => workers.All(w => w.LastWorldSize == 3), Patience, "three worker containers at world size 3", [master, .. workers]);

            await containers.KillAsync("w3");
            var survivors = workers.Take(2).ToArray();
            var before = survivors.Select(w => w.Steps().Count).ToArray();
            await PcclProcess.WaitUntilAsync(() => survivors.Select((w, i) => w.Steps().Skip(before[i]).Any(s => s.GetProperty("world_size").GetInt32() == 2)).All(x => x),
                Patience, "the survivors train on at world size 2", [master, .. survivors]);

            var newcomer = StartWorker(containers, "w4", workerEnvironment);
            workers.Add(newcomer);
            await PcclProcess.WaitUntilAsync(() => newcomer.LastWorldSize == 3 && survivors.All(w => w.LastWorldSize == 3),
                Patience, "a new worker container joined", [master, .. survivors, newcomer]);

            var bySequence = workers.SelectMany(w => w.Steps()).GroupBy(s => s.GetProperty("seq").GetUInt64()).ToList();
            Assert.All(bySequence, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
            var newcomerId = newcomer.LastStep()!.Value.GetProperty("peer_id").GetUInt64();
            Assert.Contains(bySequence, g => g.Count() == 3 && g.Any(s => s.GetProperty("peer_id").GetUInt64() == newcomerId));

            // podman stop sends the image's STOPSIGNAL (SIGTERM): the worker leaves and exits 0.
            var (stopped, _, stopErrors) = await Tool.RunAsync("podman", ["--runtime", "runc", "stop", "--time", "30", containers.ContainerName("w4")]);
            Assert.True(stopped == 0, stopErrors);
            Assert.Equal(0, await newcomer.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }

            await master.DisposeAsync();
        }
    }

    private static PcclProcess StartWorker(PcclContainers containers, string name, IReadOnlyDictionary<string, string> environment) =>
        containers.Run(name, environment, "worker", "--json", "--elements", "4096", "--step-delay-ms", "20");
}
