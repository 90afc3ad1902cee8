namespace Pccl.Cli.Bench;

/// <summary>Summaries the benchmarks report.</summary>
internal static class Statistics
{
    /// <summary>The middle value (the upper one of an even count); 0 when there is none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}
