using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary><c>pccl bench memory</c>: real worker processes' memory from <c>/proc</c>, one JSON line per buffer size.</summary>
public class MemoryBenchTests
{
    [Fact]
    public async Task EachSizeReportsAWorkerHoldingItsBufferAndTheBackupBesideIt()
    {
        await using var bench = PcclProcess.Start("memory", ["bench", "memory", "--peers", "2", "--sizes", "4MiB,16MiB", "--json"],
            new Dictionary<string, string> { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "3000" });
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(180));

        Assert.True(code == 0, $"bench memory exited with {code}: {bench.Stderr}");
        var lines = bench.StdoutLines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([4.0, 16.0], lines.Select(l => l.GetProperty("buffer_mb").GetDouble()));
        var hugePagesOn = !File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[never]", StringComparison.Ordinal);
        foreach (var l in lines)
        {
            double Mb(string name) => l.GetProperty(name).GetDouble();
            Assert.Equal(2, l.GetProperty("peers").GetInt32());
            // the buffer and its backup are both resident after warm operations, besides the runtime
            Assert.InRange(Mb("rss_mb"), (2 * Mb("buffer_mb")) + 10, 4096);
            Assert.InRange(Mb("peak_rss_mb"), Mb("rss_mb"), 4096);
            Assert.InRange(Mb("pss_mb"), 1, Mb("rss_mb"));
            Assert.Equal(Math.Round(Mb("rss_mb") - Mb("buffer_mb"), 1), Mb("beyond_buffer_mb"), 1e-9);
            Assert.Equal((2 * Mb("buffer_mb")) + 48, Mb("target_mb"));
            Assert.Equal(Mb("rss_mb") <= Mb("target_mb"), l.GetProperty("target_met").GetBoolean());
        }

        // the 16 MiB backup asks for huge pages: at least its aligned interior gets them where the kernel offers them
        Assert.True(!hugePagesOn || lines[1].GetProperty("huge_pages_mb").GetDouble() >= 8, $"huge pages on, yet: {lines[1]}");
    }
}
