namespace Pccl.Cli.Bench;

/// <summary>Draws busbw against message size (log scale) to a PNG.</summary>
internal static class BusBandwidthPlot
{
    public static void Save(IReadOnlyList<SizeResult> results, string path)
    {
        var plot = new ScottPlot.Plot();
        var xs = results.Select(r => Math.Log2(r.Bytes / (1024.0 * 1024.0))).ToArray();
        var ys = results.Select(r => r.BusBwGbps).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = $"PCCL .NET, {results[0].Peers} peers";
        plot.Title("All-reduce bus bandwidth (float32 sum, loopback)");
        plot.XLabel("message size (log2 MiB)");
        plot.YLabel("busbw (GB/s)");
        plot.ShowLegend();
        plot.SavePng(path, 900, 500);
    }
}
