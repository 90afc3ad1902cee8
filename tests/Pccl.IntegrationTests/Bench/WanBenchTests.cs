using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary>
/// <c>pccl bench wan</c>: peers in emulated datacentres, started in the join order asked, all-reduce correctly over the
/// emulated path; the ring's labels follow the join order and the path's bytes are counted; the flags of features this
/// build lacks fail before anything is built.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public class WanBenchTests
{
    private static async Task<(PcclProcess Bench, int Code)> RunAsync(params string[] arguments)
    {
        var bench = PcclProcess.Start("bench-wan", ["bench", "wan", .. arguments]);
        return (bench, await bench.WaitForExitAsync(TimeSpan.FromSeconds(240)));
    }

    [Theory]
    [InlineData("alternating", "dc0,dc1,dc0,dc1")]
    [InlineData("grouped", "dc0,dc0,dc1,dc1")]
    public async Task TwoDatacentresAllReduceCorrectlyWithTheRingInJoinOrder(string joinOrder, string ring)
    {
        var (bench, code) = await RunAsync("--regions", "2x2", "--rtt-ms", "10", "--rate-mbit", "200", "--sizes", "4MiB", "--iterations", "2", "--warmup", "0",
            "--algorithm", "Ring", "--connections-per-peer", "2", "--join-order", joinOrder, "--json");
        await using var _ = bench;
        try
        {
            Assert.True(code == 0, $"bench wan exited with {code}: {bench.Stderr}");
            var result = JsonDocument.Parse(bench.StdoutLines.Single(l => l.StartsWith('{'))).RootElement;
            Assert.True(result.GetProperty("correct").GetBoolean());
            Assert.Equal(4, result.GetProperty("peers").GetInt32());
            Assert.Equal("2x2", result.GetProperty("regions").GetString());
            Assert.Equal(4L << 20, result.GetProperty("bytes").GetInt64());
            Assert.Equal(10, result.GetProperty("rtt_ms").GetDouble());
            Assert.Equal(200, result.GetProperty("rate_mbit").GetDouble());
            Assert.Equal("Ring", result.GetProperty("algorithm").GetString());
            Assert.Equal(2, result.GetProperty("connections_per_peer").GetInt32());
            Assert.Equal(ring, string.Join(',', result.GetProperty("ring").EnumerateArray().Select(e => e.GetString())));
            Assert.True(result.GetProperty("median_s").GetDouble() > 0);
            Assert.True(result.GetProperty("busbw_gbps").GetDouble() > 0);
            // the ring's traffic crossed the path, and no more than its rate allows (10 % for timing at the edges)
            Assert.InRange(result.GetProperty("path_utilization").GetDouble(), 0.05, 1.1);
            WanNamespaces.AssertNoneLeft(bench.Pid);
        }
        finally
        {
            WanNamespaces.RemoveAll(bench.Pid);
        }
    }

    [Fact]
    public async Task OneByTwoPutsThePathBetweenTheTwoPeers()
    {
        var (bench, code) = await RunAsync("--regions", "1x2", "--rtt-ms", "10", "--rate-mbit", "200", "--sizes", "1MiB", "--iterations", "1", "--warmup", "0", "--json");
        await using var _ = bench;
        try
        {
            Assert.True(code == 0, $"bench wan exited with {code}: {bench.Stderr}");
            var result = JsonDocument.Parse(bench.StdoutLines.Single(l => l.StartsWith('{'))).RootElement;
            Assert.True(result.GetProperty("correct").GetBoolean());
            Assert.Equal(["dc0", "dc0"], result.GetProperty("ring").EnumerateArray().Select(e => e.GetString()));
            Assert.True(result.GetProperty("path_utilization").GetDouble() > 0, "the two peers' traffic must cross the emulated path");
        }
        finally
        {
            WanNamespaces.RemoveAll(bench.Pid);
        }
    }

    [Fact]
    public async Task AnInterruptedBenchStopsItsMasterAndPeersAndRemovesItsNetwork()
    {
        await using var bench = PcclProcess.Start("bench-wan", ["bench", "wan", "--regions", "2x2", "--rtt-ms", "10", "--rate-mbit", "20", "--sizes", "64MiB", "--json"]);
        try
        {
            // the peers name the run's counter file on their command lines: four of them and the forwarder
            await PcclProcess.WaitUntilAsync(() => WanNamespaces.ProcessesNaming(bench.Pid).Count >= 5, TimeSpan.FromSeconds(120), "the forwarder and four peers", bench);
            bench.Interrupt(); // Ctrl+C
            await bench.WaitForExitAsync(TimeSpan.FromSeconds(60));
            WanNamespaces.AssertNoneLeft(bench.Pid);
        }
        finally
        {
            WanNamespaces.RemoveAll(bench.Pid);
        }
    }

    [Theory]
    [InlineData("--connections-per-peer 9", "--connections-per-peer 9: must be auto or a count from 1 to 8")]
    [InlineData("--regions 2by2", "--regions must be AxB")]
    [InlineData("--loss 1.5", "--loss must be a fraction")]
    [InlineData("--congestion-control nosuch", "--congestion-control must be one a new network namespace may use")]
    public async Task AChoiceThisBuildCannotRunFailsClearlyBeforeBuildingAnything(string flags, string message)
    {
        var (bench, code) = await RunAsync([.. flags.Split(' '), "--sizes", "1MiB"]);
        await using var _ = bench;
        Assert.Equal(1, code);
        Assert.Contains(message, bench.Stderr, StringComparison.Ordinal);
        Assert.Empty(WanNamespaces.Of(bench.Pid));
    }
}
