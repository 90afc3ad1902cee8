using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary><c>pccl bench wan-plot</c>: the JSON lines of <c>bench wan</c> runs drawn as a PNG bar chart, and the errors of a bad input.</summary>
public sealed class WanPlotTests : IDisposable
{
    private const string OneByTwo =
        """{"peers":2,"regions":"1x2","join_order":"alternating","bytes":268435456,"rtt_ms":100,"rate_mbit":1000,"algorithm":"Ring","connections_per_peer":4,"ring":["dc0","dc0"],"median_s":2.4,"busbw_gbps":0.11,"path_utilization":0.89,"correct":true}""";

    private const string Voted =
        """{"peers":2,"regions":"1x2","join_order":"alternating","bytes":268435456,"rtt_ms":100,"rate_mbit":1000,"algorithm":"Ring","connections_per_peer":null,"ring":["dc0","dc0"],"median_s":2.5,"busbw_gbps":0.10,"path_utilization":0.85,"correct":true,"optimize_topology":true}""";

    private readonly string _dir = Directory.CreateTempSubdirectory("pccl-wan-plot-").FullName;

    [Theory]
    [InlineData("utilization")]
    [InlineData("busbw")]
    [InlineData("hierarchy")]
    public async Task RunsBecomeBarsInAPng(string figure)
    {
        var input = Path.Combine(_dir, "runs.jsonl");
        File.WriteAllLines(input, [OneByTwo, "a log line between results", Voted]);
        var output = Path.Combine(_dir, $"{figure}.png");

        var (code, stderr) = await PlotAsync("--input", input, "--output", output, "--figure", figure);

        Assert.True(code == 0, $"wan-plot exited with {code}: {stderr}");
        var png = File.ReadAllBytes(output);
        Assert.True(png.Length > 1000);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public async Task ALineThatIsNoResultIsNamed()
    {
        var input = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(input, [OneByTwo, """{"peers":"two"}"""]);

        var (code, stderr) = await PlotAsync("--input", input, "--output", Path.Combine(_dir, "bad.png"));

        Assert.NotEqual(0, code);
        Assert.Contains("line 2", stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "bad.png")));
    }

    [Fact]
    public async Task AnInputWithoutResultsIsAnError()
    {
        var input = Path.Combine(_dir, "empty.jsonl");
        File.WriteAllText(input, "no results here\n");

        var (code, stderr) = await PlotAsync("--input", input, "--output", Path.Combine(_dir, "empty.png"));

        Assert.NotEqual(0, code);
        Assert.Contains("no `pccl bench wan --json` result", stderr);
    }

    private static async Task<(int Code, string Stderr)> PlotAsync(params string[] arguments)
    {
        await using var plot = PcclProcess.Start("bench-wan-plot", ["bench", "wan-plot", .. arguments]);
        var code = await plot.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, plot.Stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
