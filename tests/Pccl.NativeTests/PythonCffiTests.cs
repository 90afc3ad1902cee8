using Pccl.IntegrationTests.Support;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// Debian's python3 drives libpccl.so through cffi with declarations read from include/pccl.h, as PCCL's Python package
/// does (tests/Pccl.NativeTests/python): a master process and three peers all-reducing numpy arrays and torch CPU tensors.
/// </summary>
public sealed class PythonCffiTests(NativeBuild build)
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task Python_peers_all_reduce_numpy_arrays_and_torch_tensors_through_cffi()
    {
        var port = FreePort.Tcp().ToString();
        var processes = new List<ChildProcess>();
        try
        {
            var master = Start(processes, "python master", "master.py", [port]);
            Assert.True(await master.WaitForLineAsync("MASTER RUNNING", TimeSpan.FromMinutes(1)), master.Output);
            var peers = Enumerable.Range(0, 3).Select(rank => Start(processes, $"python peer {rank}", "peer.py", [port, rank.ToString(), "3"])).ToList();

            var exits = await Task.WhenAll(peers.Select(p => p.WaitForExitAsync(TimeSpan.FromMinutes(3))));

            var report = string.Join('\n', processes.Select(p => p.Output));
            Assert.True(exits.All(e => e == 0), report);
            Assert.All(peers, p => Assert.Equal(["numpy: ok", "torch: ok", "async: ok", "PASS"], p.Lines.Where(l => !l.StartsWith("stderr:", StringComparison.Ordinal))));
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

    private ChildProcess Start(List<ChildProcess> processes, string name, string script, string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["PCCL_LIBRARY"] = build.LibraryPath,
            ["PCCL_HEADER"] = Repository.Header,
            ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange(),
        };
        var process = ChildProcess.Start(name, Python, [Repository.PythonSource(script), .. arguments], environment);
        processes.Add(process);
        return process;
    }
}
