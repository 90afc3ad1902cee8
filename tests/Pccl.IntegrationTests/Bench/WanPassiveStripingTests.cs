using System.Text.Json;
using System.Text.RegularExpressions;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary>
/// Automatic striping without a vote, over the WAN emulator: a lane to a neighbour nobody measured opens at the cap,
/// its first long all-reduce measures the path (event 1801), and the lane reopens striped for what the path holds
/// (event 1800), with the results still correct.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public partial class WanPassiveStripingTests
{
    [GeneratedRegex(@"its lanes take (\d+) connections instead of (\d+)")]
    private static partial Regex Restriped();

    [Fact]
    public async Task AnUnmeasuredLongPathLeavesTheCapAfterItsFirstLongAllReduce()
    {
        var logs = Directory.CreateTempSubdirectory("pccl-passive-striping-").FullName;
        // 1 Gbit/s × 20 ms is 2.5 MB in flight, one 4 MiB window; unmeasured, the lane assumes 10 Gbit/s and takes 8
        await using var bench = PcclProcess.Start("bench-wan", ["bench", "wan", "--regions", "1x2", "--rtt-ms", "20", "--rate-mbit", "1000",
            "--sizes", "128MiB", "--iterations", "1", "--warmup", "1", "--algorithm", "Ring", "--json", "--stage-log", logs]);
        try
        {
            var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(240));
            Assert.True(code == 0, $"bench wan exited with {code}: {bench.Stderr}");
            var result = JsonDocument.Parse(bench.StdoutLines.Single(l => l.StartsWith('{'))).RootElement;
            Assert.True(result.GetProperty("correct").GetBoolean());

            var lines = Directory.GetFiles(logs).SelectMany(File.ReadLines).ToList();
            Assert.Contains(lines, l => l.Contains("Id: 1801", StringComparison.Ordinal));
            var restripes = lines.Where(l => l.Contains("Id: 1800", StringComparison.Ordinal)).Select(l => Restriped().Match(l)).ToList();
            Assert.NotEmpty(restripes);
            Assert.All(restripes, m =>
            {
                Assert.Equal("8", m.Groups[2].Value);
                Assert.InRange(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 2);
            });
            WanNamespaces.AssertNoneLeft(bench.Pid);
        }
        finally
        {
            WanNamespaces.RemoveAll(bench.Pid);
            Directory.Delete(logs, recursive: true);
        }
    }
}
