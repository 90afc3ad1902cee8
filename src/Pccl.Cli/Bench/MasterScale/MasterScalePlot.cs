namespace Pccl.Cli.Bench.MasterScale;

/// <summary>Draws each master-scale figure against the peer count (log scale): one PNG per figure, named after <c>--plot</c>.</summary>
internal static class MasterScalePlot
{
    public static void Save(IReadOnlyList<MasterScaleResult> results, string path)
    {
        var xs = results.Select(r => Math.Log10(r.Peers)).ToArray();
        Panel(path, "join", xs, "join storm until all accepted (s)", [("join_s", results.Select(r => r.JoinSeconds))]);
        Panel(path, "rounds", xs, "master round (ms)",
            [("collective p50", results.Select(r => r.RoundP50Ms)), ("collective p99", results.Select(r => r.RoundP99Ms)),
             ("vote p50", results.Select(r => r.VoteP50Ms)), ("shared-state p50", results.Select(r => r.StateP50Ms))]);
        Panel(path, "cpu", xs, "master CPU, heartbeats only (cores)", [("heartbeat_cpu_cores", results.Select(r => r.HeartbeatCpuCores))]);
        Panel(path, "rss", xs, "master peak RSS (MB)", [("rss_mb", results.Select(r => r.RssMb))]);
    }

    private static void Panel(string path, string figure, double[] xs, string label, (string Name, IEnumerable<double> Values)[] series)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, values) in series)
        {
            plot.Add.Scatter(xs, values.ToArray()).LegendText = name;
        }

        plot.Title($"PCCL master against simulated peers: {label}");
        plot.XLabel("peers (log10)");
        plot.YLabel(label);
        plot.ShowLegend();
        plot.SavePng(Path.ChangeExtension(path, null) + $"-{figure}.png", 800, 450);
    }
}
