using System.Text.Json;
using System.Text.RegularExpressions;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary>
/// Automatic striping without a vote, over the WAN emulator: an operation to a neighbour nobody measured runs on the
/// stripes 1 Gbit/s asks for (4 or 5 at 100 ms), never the cap, its long all-reduce measures the path (event 1801), and the next operations
/// run on what the path holds (event 1800): fewer on a slower path, more on a faster one whose first reading the
/// windows bounded, with the results still correct.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public partial class WanPassiveStripingTests
{
    [GeneratedRegex(@"its lanes take (\d+) connections instead of (\d+)")]
    private static partial Regex Restriped();

    [Fact]
    public async Task ASlowerPathThanAssumedComesDownAfterItsFirstLongAllReduce()
    {
        // 300 Mbit/s × 100 ms is 3.75 MB in flight, within 0.75 of two 4 MiB windows; the first operation runs on what
        // 1 Gbit/s asks for at the round trip its first connection measured (4, or 5 where that read over 100.7 ms)
        var restripes = await RestripesAsync("300", "64MiB");
        Assert.Contains(restripes, r => r.From is 4 or 5 && r.To <= 2);
        Assert.All(restripes, r => Assert.InRange(r.To, 1, 2));
    }

    [Fact]
    public async Task AFasterPathThanAssumedTakesMoreStripesAfterItsFirstLongAllReduce()
    {
        // 2 Gbit/s × 100 ms is 25 MB in flight: the first operation's 4 windows are the limit, and its reading asks for
        // more; each operation after that its stripes bounded asks for more again, up to the cap
        var restripes = await RestripesAsync("2000", "256MiB");
        Assert.Contains(restripes, r => r.From is 4 or 5);
        Assert.All(restripes, r =>
        {
            Assert.InRange(r.From, 4, 7);
            Assert.InRange(r.To, r.From + 1, 8);
        });
    }

    private static async Task<List<(int To, int From)>> RestripesAsync(string rateMbit, string size)
    {
        var logs = Directory.CreateTempSubdirectory("pccl-passive-striping-").FullName;
        await using var bench = PcclProcess.Start("bench-wan", ["bench", "wan", "--regions", "1x2", "--rtt-ms", "100", "--rate-mbit", rateMbit,
            "--sizes", size, "--iterations", "1", "--warmup", "1", "--algorithm", "Ring", "--json", "--stage-log", logs]);
        try
        {
            var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(240));
            Assert.True(code == 0, $"bench wan exited with {code}: {bench.Stderr}");
            var result = JsonDocument.Parse(bench.StdoutLines.Single(l => l.StartsWith('{'))).RootElement;
            Assert.True(result.GetProperty("correct").GetBoolean());

            var lines = Directory.GetFiles(logs).SelectMany(File.ReadLines).ToList();
            Assert.Contains(lines, l => l.Contains("Id: 1801", StringComparison.Ordinal));
            var restripes = lines.Where(l => l.Contains("Id: 1800", StringComparison.Ordinal)).Select(l => Restriped().Match(l))
                .Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
                .ToList();
            Assert.NotEmpty(restripes);
            WanNamespaces.AssertNoneLeft(bench.Pid);
            return restripes;
        }
        finally
        {
            WanNamespaces.RemoveAll(bench.Pid);
            Directory.Delete(logs, recursive: true);
        }
    }
}
