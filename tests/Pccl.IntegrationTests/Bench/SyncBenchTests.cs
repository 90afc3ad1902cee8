using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary><c>pccl bench sync</c>: the identical round, its hashing references, and a late joiner from each number of donors.</summary>
public class SyncBenchTests
{
    [Fact]
    public async Task TheReportHasTheIdenticalRoundItsReferencesAndAJoinerPerDonorCount()
    {
        const long bytes = 8 << 20;
        await using var bench = PcclProcess.Start("bench",
            ["bench", "sync", "--peers", "2", "--size", "8MiB", "--tensors", "3", "--iterations", "2", "--json"]);
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"bench exited with {code}: {bench.Stderr}");
        var report = JsonDocument.Parse(Assert.Single(bench.StdoutLines, l => l.StartsWith('{'))).RootElement;

        Assert.Equal(bytes, report.GetProperty("bytes").GetInt64());
        Assert.Equal(2, report.GetProperty("identical_peers").GetInt32());
        var identicalMs = report.GetProperty("identical_ms").GetDouble();
        Assert.InRange(identicalMs, 1e-3, 60_000);
        Assert.Equal(bytes / (identicalMs / 1000) / 1e9, report.GetProperty("identical_gbps").GetDouble(), 3);
        Assert.True(report.GetProperty("hash_gbps").GetDouble() > 0, report.ToString());
        Assert.True(report.GetProperty("concurrent_hash_gbps").GetDouble() > 0, report.ToString());
        Assert.InRange(report.GetProperty("identical_alone_ms").GetDouble(), 1e-3, 60_000);

        var joiners = report.GetProperty("joiner").EnumerateArray().ToList();
        Assert.Equal([1, 2], joiners.Select(j => j.GetProperty("donors").GetInt32()));
        Assert.All(joiners, j =>
        {
            Assert.Equal((ulong)bytes, j.GetProperty("bytes_received").GetUInt64()); // the whole state, every time
            Assert.True(j.GetProperty("gbps").GetDouble() > 0, j.ToString());
        });
    }
}
