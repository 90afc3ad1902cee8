using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

/// <summary>A command's own defaults (metrics on for <c>pccl master</c>/<c>pccl worker</c>) sit under file, environment and flags.</summary>
public class CommandDefaultsTests
{
    private static readonly IReadOnlyDictionary<string, string> MetricsOn = new Dictionary<string, string> { ["metrics.enabled"] = "true" };

    private static PcclConfig Evaluate(string yaml, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyDictionary<string, string>? flags = null)
    {
        var problems = new ConfigProblems();
        var config = ConfigLoader.Evaluate(ConfigHarness.FileName, yaml, environment ?? ConfigHarness.Empty, flags, problems, MetricsOn);
        Assert.Empty(problems.Items);
        return config;
    }

    [Fact]
    public void LibraryDefaultKeepsMetricsOffAndTheCommandDefaultTurnsThemOn()
    {
        Assert.False(ConfigLoader.Load(null, ConfigHarness.Empty, ConfigHarness.Empty).Metrics.Enabled);
        Assert.True(ConfigLoader.Load(null, ConfigHarness.Empty, ConfigHarness.Empty, MetricsOn).Metrics.Enabled);
        Assert.True(Evaluate("").Metrics.Enabled);
    }

    [Fact]
    public void FileEnvironmentAndFlagsStillTurnMetricsOff()
    {
        Assert.False(Evaluate("metrics:\n  enabled: false\n").Metrics.Enabled);
        Assert.False(Evaluate("", new Dictionary<string, string> { ["PCCL_METRICS_ENABLED"] = "false" }).Metrics.Enabled);
        Assert.False(Evaluate("", flags: new Dictionary<string, string> { ["metrics.enabled"] = "false" }).Metrics.Enabled);
    }

    [Fact]
    public void MetricsPortZeroAsksForAFreePort()
    {
        Assert.Equal(0, Evaluate("", flags: new Dictionary<string, string> { ["metrics.port"] = "0" }).Metrics.Port);
        Assert.Contains("metrics.port", ConfigHarness.OneProblem("metrics:\n  port: -1\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommandDefaultIsAProgrammingError() =>
        Assert.Throws<ArgumentException>(() => ConfigLoader.Load(null, ConfigHarness.Empty, ConfigHarness.Empty,
            new Dictionary<string, string> { ["metrics.enable"] = "true" }));
}
