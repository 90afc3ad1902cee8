using System.Globalization;
using System.Text.Json;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// <c>pccl bench wan-plot</c>: draws the <c>--json</c> lines of one or more <c>bench wan</c> runs as bars, one per line
/// in file order, labelled by layout, connections per neighbour and ring: the path utilization against the 90 % line,
/// or each run's bus bandwidth; or the ring and the hierarchy side by side per layout (<see cref="WanHierarchyPlot"/>).
/// </summary>
internal static class WanPlot
{
    public static readonly string[] Figures = ["utilization", "busbw", "hierarchy"];

    /// <summary>Reads the results from <paramref name="input"/> and writes the PNG to <paramref name="output"/>.</summary>
    /// <exception cref="PcclException">The input holds no result, or a line that is not one; the message names the line.</exception>
    public static int Run(string input, string output, string figure, string? title)
    {
        var results = Read(input);
        var plot = new ScottPlot.Plot();
        if (figure == "hierarchy")
        {
            WanHierarchyPlot.Draw(plot, results);
            return Save(plot, results, output, title, "busbw (GB/s)", Math.Max(700, 120 * results.Count));
        }

        var utilization = figure == "utilization";
        var values = results.Select(r => utilization ? r.PathUtilization : r.BusBwGbps).ToArray();
        var bars = plot.Add.Bars(values);
        for (var i = 0; i < values.Length; i++)
        {
            bars.Bars[i].Label = values[i].ToString(utilization ? "0.00" : "0.000", CultureInfo.InvariantCulture);
        }

        bars.ValueLabelStyle.FontSize = 14;
        if (utilization)
        {
            plot.Add.HorizontalLine(0.9, pattern: ScottPlot.LinePattern.Dashed).LegendText = "target 0.90";
            plot.Axes.SetLimitsY(0, 1.05);
            plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        }
        else
        {
            plot.Axes.SetLimitsY(0, values.Max() * 1.15);
        }

        double[] positions = [.. Enumerable.Range(0, results.Count).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(positions, [.. results.Select(Label)]);
        plot.Axes.Bottom.MinimumSize = 60;
        return Save(plot, results, output, title, utilization ? "path utilization" : "busbw (GB/s)", Math.Max(600, 150 * results.Count));
    }

    private static int Save(ScottPlot.Plot plot, List<WanResult> results, string output, string? title, string yLabel, int width)
    {
        var first = results[0];
        var regions = results.Select(r => r.Regions).Distinct().Count() == 1 ? $"{first.Regions}, " : "";
        plot.Title(title ?? string.Create(CultureInfo.InvariantCulture,
            $"{regions}{first.RttMs:0.#} ms RTT, {first.RateMbit:0.#} Mbit/s, {ByteSize.Format(first.Bytes)} all-reduce"));
        plot.YLabel(yLabel);
        plot.SavePng(output, width, 500);
        Console.Out.WriteLine($"wrote {output}");
        return 0;
    }

    private static List<WanResult> Read(string input)
    {
        var results = new List<WanResult>();
        var number = 0;
        foreach (var line in File.ReadLines(input))
        {
            number++;
            if (!line.TrimStart().StartsWith('{'))
            {
                continue; // a run's other output (log lines) may be interleaved
            }

            try
            {
                var result = JsonSerializer.Deserialize(line, WanJson.Default.WanResult);
                results.Add(result is { Ring: not null, Regions: not null } ? result : throw new JsonException("it has no regions or ring"));
            }
            catch (JsonException e)
            {
                throw new PcclException(PcclErrorCode.InvalidArgument, $"--input {input}, line {number}: not a `pccl bench wan --json` result ({e.Message})");
            }
        }

        return results.Count > 0
            ? results
            : throw new PcclException(PcclErrorCode.InvalidArgument, $"--input {input} holds no `pccl bench wan --json` result line");
    }

    /// <summary>Connections per neighbour, whether a vote measured the paths first, and the ring where it spans regions.</summary>
    private static string Label(WanResult r)
    {
        var label = (r.ConnectionsPerPeer is { } k ? $"K={k}" : "K auto") + (r.OptimizeTopology ? " + vote" : "");
        return r.Ring.Distinct().Count() > 1 ? $"{label}\n{string.Join(",", r.Ring)}" : label;
    }
}
