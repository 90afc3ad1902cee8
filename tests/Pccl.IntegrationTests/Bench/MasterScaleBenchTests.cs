using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary><c>pccl bench master-scale</c>: a real master process admits every simulated peer and answers every round; one JSON line per peer count.</summary>
public class MasterScaleBenchTests
{
    [Fact]
    public async Task Every_simulated_peer_is_admitted_and_each_peer_count_reports_its_figures()
    {
        var plot = Path.Combine(Path.GetTempPath(), $"pccl-master-scale-{Guid.NewGuid():N}.png");
        await using var bench = PcclProcess.Start("bench", ["bench", "master-scale", "--peers", "40", "--rounds", "5", "--json", "--plot", plot]);
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, $"bench exited with {code}: {bench.Stderr}");
        var lines = bench.StdoutLines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal([10, 40], lines.Select(l => l.GetProperty("peers").GetInt32()));
        Assert.All(lines, l =>
        {
            Assert.Equal(l.GetProperty("peers").GetInt32(), l.GetProperty("admitted").GetInt32());
            Assert.InRange(l.GetProperty("join_s").GetDouble(), 1e-4, 60);
            Assert.InRange(l.GetProperty("round_p50_ms").GetDouble(), 1e-4, l.GetProperty("round_p99_ms").GetDouble());
            Assert.InRange(l.GetProperty("heartbeat_cpu_cores").GetDouble(), 0, 2);
            Assert.InRange(l.GetProperty("rss_mb").GetDouble(), 10, 4096); // a real process's resident memory, read from /proc
            Assert.Equal(100, l.GetProperty("heartbeat_interval_ms").GetInt32());
        });
        foreach (var figure in new[] { "join", "rounds", "cpu", "rss" })
        {
            var png = Path.ChangeExtension(plot, null) + $"-{figure}.png";
            Assert.True(new FileInfo(png).Length > 1000, $"{png} missing or empty");
            File.Delete(png);
        }
    }
}
