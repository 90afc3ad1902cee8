using Pccl.IntegrationTests.Support;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// A master and peers as separate C processes on the C API (tests/Pccl.NativeTests/c/peer.c): admission by
/// pcclUpdateTopology, every data type x op in and out of place, min-max quantization, async all-reduces on concurrent
/// tags, blocking all-reduces from several threads at once, shared state with a late joiner, a peer SIGKILLed inside pcclAllReduceMultipleWithRetry and another inside
/// pcclAllReduce (pcclRankConnectionLost). Each peer checks its own results and prints PASS.
/// </summary>
public sealed class CApiClusterTests(NativeBuild build)
{
    private static readonly TimeSpan Phase = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Three_peers_and_a_late_joiner_run_every_collective_and_survive_two_kills()
    {
        var port = FreePort.Tcp().ToString();
        var processes = new List<ChildProcess>();
        try
        {
            var master = Start(processes, "master", build.Program("master"), [port]);
            Assert.True(await master.WaitForLineAsync("MASTER RUNNING", TimeSpan.FromSeconds(30)), master.Output);
            var founder = Start(processes, "peer 0", build.Program("peer"), [port, "0"]);
            Assert.True(await founder.WaitForLineAsync("ACCEPTED", Phase), Describe(processes));
            var peers = new[] { founder, Start(processes, "peer 1", build.Program("peer"), [port, "1"]), Start(processes, "peer 2", build.Program("peer"), [port, "2"]) };
            Assert.True(await founder.WaitForLineAsync("READY_FOR_JOINER", Phase), Describe(processes));
            var joiner = Start(processes, "peer 3", build.Program("peer"), [port, "3"]);

            var exits = await Task.WhenAll(peers.Append(joiner).Select(p => p.WaitForExitAsync(Phase)));

            var report = Describe(processes);
            Assert.True(exits[0] == 0 && exits[1] == 0, report);
            Assert.True(exits[2] == 137 && exits[3] == 137, report); // SIGKILLed by themselves mid-operation
            Assert.Contains("PASS", peers[0].Lines);
            Assert.Contains("PASS", peers[1].Lines);
            Assert.Contains(joiner.Lines, l => l.Contains("late joiner received the shared state and revision 2", StringComparison.Ordinal));
            Assert.Contains(peers[0].Lines, l => l == "matrix: 480 all-reduces correct");
            Assert.Contains(peers[1].Lines, l => l == "threads: 3 blocking all-reduces from 3 threads at once");
            master.CloseInput();
            Assert.True(await master.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, master.Output);
            Assert.Contains("MASTER STOPPED", master.Lines);
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }
        }
    }

    private static ChildProcess Start(List<ChildProcess> processes, string name, string program, string[] arguments)
    {
        var environment = new Dictionary<string, string> { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() };
        var process = ChildProcess.Start(name, program, arguments, environment);
        processes.Add(process);
        return process;
    }

    private static string Describe(IEnumerable<ChildProcess> processes) => string.Join('\n', processes.Select(p => p.Output));
}
