namespace Pccl.Cli.Bench;

/// <summary>Draws a group's measured bandwidth matrix (Mbit/s, sender by row, receiver by column, peers in ring order) to a PNG.</summary>
internal static class BandwidthHeatMap
{
    public static void Save(MasterBandwidth group, string path)
    {
        var peers = group.Ring;
        var n = peers.Count;
        var mbit = new double[n, n];
        for (var row = 0; row < n; row++)
        {
            for (var column = 0; column < n; column++)
            {
                mbit[row, column] = group.MbitPerSecond(peers[row], peers[column]) ?? double.NaN;
            }
        }

        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(mbit);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap).Label = "Mbit/s";
        double[] positions = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(positions, [.. peers.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.Left.SetTicks(positions, [.. peers.Reverse().Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Title($"Measured bandwidth, group {group.Group} (ring order)");
        plot.XLabel("to peer");
        plot.YLabel("from peer");
        plot.SavePng(path, 700, 600);
    }
}
