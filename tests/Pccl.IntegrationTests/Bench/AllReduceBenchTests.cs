using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary><c>pccl bench allreduce</c>: a master and N worker processes; one JSON object per size, every element checked.</summary>
public class AllReduceBenchTests
{
    /// <summary>
    /// Starts <c>pccl</c> with a 3 s heartbeat timeout: these tests check results, not failure detection, and on two cores
    /// shared with another test class a starved worker can miss the 500 ms default and be removed.
    /// </summary>
    private static PcclProcess StartBench(string[] arguments) =>
        PcclProcess.Start("bench", arguments, new Dictionary<string, string> { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "3000" });

    [Theory]
    [InlineData("2", "auto", true)]
    [InlineData("3", "none", false)]
    [InlineData("3", "auto", false)]
    public async Task EverySizeReportsItsTimingsAndACorrectResult(string peers, string bindTo, bool bound)
    {
        await using var bench = StartBench(
            ["bench", "allreduce", "--peers", peers, "--sizes", "4KiB,1MiB", "--iterations", "2", "--json", "--bind-to", bindTo]);
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"bench exited with {code}: {bench.Stderr}");
        var results = bench.StdoutLines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([4096L, 1048576L], results.Select(r => r.GetProperty("bytes").GetInt64()));
        foreach (var r in results)
        {
            Assert.Equal(int.Parse(peers, System.Globalization.CultureInfo.InvariantCulture), r.GetProperty("peers").GetInt32());
            Assert.True(r.GetProperty("correct").GetBoolean(), r.ToString());
            Assert.Equal(bound && Environment.ProcessorCount >= 2, r.GetProperty("bound_to_cores").GetBoolean());
            var median = r.GetProperty("median_s").GetDouble();
            Assert.InRange(median, 1e-7, 60);
            var algbw = r.GetProperty("algbw_gbps").GetDouble();
            Assert.Equal(r.GetProperty("bytes").GetInt64() / median / 1e9, algbw, 3);
            Assert.True(r.GetProperty("busbw_gbps").GetDouble() > 0, r.ToString());
            // the pattern's plain sum is exact: no tolerance
            Assert.Equal(0, r.GetProperty("error_bound").GetDouble());
            Assert.Equal(0, r.GetProperty("max_error").GetDouble());
        }
    }

    [Theory]
    [InlineData("MinMaxU8", "pattern")]
    [InlineData("MinMaxU16", "gradient")]
    [InlineData("None", "gradient")]
    public async Task LossyAndRandomSumsAreCheckedAgainstTheExactSumWithinTheBound(string quantization, string data)
    {
        await using var bench = StartBench(
            ["bench", "allreduce", "--peers", "3", "--sizes", "256KiB", "--iterations", "2", "--warmup", "1", "--json", "--quantization", quantization, "--data", data]);
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"bench exited with {code}: {bench.Stderr}");
        var result = JsonDocument.Parse(bench.StdoutLines.Single(l => l.StartsWith('{'))).RootElement;
        Assert.True(result.GetProperty("correct").GetBoolean(), result.ToString());
        var error = result.GetProperty("max_error").GetDouble();
        var bound = result.GetProperty("error_bound").GetDouble();
        // values were compared: quantization and float rounding leave a nonzero error somewhere, within a bound that
        // is small against the sums (3 peers; pattern sums 3..21, gradient sums of σ = 0.01)
        Assert.True(error > 0 && error <= bound, result.ToString());
        Assert.True(bound < (data == "pattern" ? 0.2 : 0.01), result.ToString());
    }

    [Theory]
    [InlineData("Auto", "HalvingDoubling")]
    [InlineData("Ring", "Ring")]
    public async Task FourPeersReportTheScheduleThatRan(string asked, string ran)
    {
        await using var bench = StartBench(
            ["bench", "allreduce", "--peers", "4", "--sizes", "64KiB", "--iterations", "2", "--json", "--algorithm", asked]);
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"bench exited with {code}: {bench.Stderr}");
        var result = JsonDocument.Parse(bench.StdoutLines.Single(l => l.StartsWith('{'))).RootElement;
        Assert.Equal(ran, result.GetProperty("algorithm").GetString());
        Assert.True(result.GetProperty("correct").GetBoolean(), result.ToString());
    }

    [Fact]
    public async Task TheTableNamesTheScheduleInItsTitleAndFitsEightyColumns()
    {
        await using var bench = StartBench(["bench", "allreduce", "--peers", "4", "--sizes", "4KiB,64KiB", "--iterations", "2"]);
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"bench exited with {code}: {bench.Stderr}");
        var table = bench.StdoutLines.SkipWhile(l => !l.Contains("PCCL all-reduce", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(table);
        Assert.Contains("4 peers", table[0], StringComparison.Ordinal);
        Assert.Contains("HalvingDoubling", table[0], StringComparison.Ordinal);
        Assert.All(table, line => Assert.True(line.Length <= 80, $"wider than 80 columns: {line}"));
        Assert.Equal(2, table.Count(l => l.Contains("yes", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnUnknownPlacementIsRefusedWithTheChoices()
    {
        await using var bench = StartBench(["bench", "allreduce", "--peers", "2", "--bind-to", "sideways"]);
        var code = await bench.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, code);
        Assert.Contains("sideways", bench.Stderr + string.Join('\n', bench.StdoutLines));
        Assert.Contains("core", bench.Stderr + string.Join('\n', bench.StdoutLines));
    }

    [Theory]
    [InlineData("allreduce", "--sizes", "4MiX")]
    [InlineData("recovery", "--size", "-64MiB")]
    public async Task ASizeThatIsNoSizeIsRefusedNamingIt(string bench, string option, string size)
    {
        await using var run = StartBench(["bench", bench, "--peers", "3", option, size]);
        var code = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var output = run.Stderr + string.Join('\n', run.StdoutLines);
        Assert.NotEqual(0, code);
        Assert.Contains($"'{size}' is not a size", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // an error, not a stack trace
    }
}
