using System.Globalization;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// <c>pccl bench wan-plot --figure hierarchy</c>: bus bandwidth side by side per layout and striping, one bar per
/// algorithm (and whether the peers voted first), so each shape's ring and hierarchical all-reduce stand next to each
/// other. Where a layout has several lines of one kind, the last one counts.
/// </summary>
internal static class WanHierarchyPlot
{
    public static void Draw(ScottPlot.Plot plot, IReadOnlyList<WanResult> results)
    {
        var shapes = results.Select(Shape).Distinct().ToList();
        var series = results.Select(Series).Distinct().ToList();
        var width = series.Count + 1;
        var palette = new ScottPlot.Palettes.Category10();
        for (var s = 0; s < series.Count; s++)
        {
            var bars = shapes
                .Select((shape, g) => (g, last: results.LastOrDefault(r => Shape(r) == shape && Series(r) == series[s])))
                .Where(x => x.last is not null)
                .ToList();
            var plotted = plot.Add.Bars([.. bars.Select(x => (double)(x.g * width + s))], [.. bars.Select(x => x.last!.BusBwGbps)]);
            plotted.Color = palette.GetColor(s);
            plotted.LegendText = series[s];
            for (var i = 0; i < bars.Count; i++)
            {
                plotted.Bars[i].Label = bars[i].last!.BusBwGbps.ToString("0.000", CultureInfo.InvariantCulture);
            }

            plotted.ValueLabelStyle.FontSize = 12;
        }

        plot.Axes.Bottom.SetTicks([.. shapes.Select((_, g) => g * width + (series.Count - 1) / 2.0)], [.. shapes]);
        plot.Axes.SetLimitsY(0, results.Max(r => r.BusBwGbps) * 1.2);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
    }

    /// <summary>The layout and the connections per neighbour.</summary>
    private static string Shape(WanResult r) => $"{r.Regions}, " + (r.ConnectionsPerPeer is { } k ? $"K={k}" : "K auto");

    private static string Series(WanResult r) => r.Algorithm + (r.OptimizeTopology ? " + vote" : "");
}
