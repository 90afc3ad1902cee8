using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pccl.Hosting.Telemetry;
using Pccl.Tests.Support;
using Pccl.Tests.Telemetry.Support;

namespace Pccl.Tests.Telemetry;

public sealed partial class DeployConfigTests
{
    private static readonly string PrometheusConfig = RepositoryPaths.Of("deploy/prometheus/prometheus.yml");
    private static readonly string AlertRules = RepositoryPaths.Of("deploy/prometheus/alerts.yml");
    private static readonly string AlertRuleTests = RepositoryPaths.Of("deploy/prometheus/alerts_test.yml");
    private static readonly string Dashboard = RepositoryPaths.Of("deploy/grafana/pccl-dashboard.json");

    [Fact]
    public async Task PrometheusConfigPassesPromtool()
    {
        var (exitCode, output) = await Promtool.RunAsync("check", "config", PrometheusConfig);

        Assert.True(exitCode == 0, output);
        var text = await File.ReadAllTextAsync(PrometheusConfig, TestContext.Current.CancellationToken);
        Assert.Contains("job_name: 'pccl'", text);
        Assert.Contains("['worker1:9090', 'worker2:9090', 'worker3:9090']", text);
    }

    [Fact]
    public async Task AlertRulesPassPromtool()
    {
        var (exitCode, output) = await Promtool.RunAsync("check", "rules", AlertRules);

        Assert.True(exitCode == 0, output);
        Assert.Contains("3 rules found", output);
    }

    [Fact]
    public async Task AlertsFireOnSyntheticSeriesAndStayQuietOtherwise()
    {
        var (exitCode, output) = await Promtool.RunAsync("test", "rules", AlertRuleTests);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task AlertsUseTheGuidesThreeConditions()
    {
        var text = await File.ReadAllTextAsync(AlertRules, TestContext.Current.CancellationToken);

        Assert.Contains("pccl_peer_count", text);
        Assert.Contains("histogram_quantile(0.99,", text);
        Assert.Contains("pccl_collective_latency_bucket", text);
        Assert.Contains("rate(pccl_recovery_total[5m])", text);
        Assert.Contains("network.heartbeat_timeout_ms", text);
    }

    [Fact]
    public async Task DashboardHasTheGuidesQueriesAndTheyAreValidPromQL()
    {
        var expressions = DashboardExpressions(await File.ReadAllTextAsync(Dashboard, TestContext.Current.CancellationToken));

        Assert.Contains("pccl_peer_count", expressions);
        Assert.Contains("histogram_quantile(0.99, pccl_collective_latency_bucket)", expressions);
        Assert.Contains("rate(pccl_recovery_total[5m])", expressions);
        Assert.Contains("pccl_throughput_gbps", expressions);
        Assert.Contains("pccl_buffer_backup_size", expressions);

        // promtool has no expression checker; recording rules are parsed with the full PromQL parser.
        using var dir = new TempDirectory();
        var rules = Path.Combine(dir.Path, "dashboard-rules.yml");
        var yaml = "groups:\n  - name: dashboard\n    rules:\n" + string.Concat(expressions.Select((e, i) =>
            $"      - record: pccl:dashboard:q{i}\n        expr: {JsonSerializer.Serialize(e)}\n"));
        await File.WriteAllTextAsync(rules, yaml, TestContext.Current.CancellationToken);
        var (exitCode, output) = await Promtool.RunAsync("check", "rules", rules);
        Assert.True(exitCode == 0, output + "\n" + yaml);
    }

    [Fact]
    public async Task DeployFilesUseOnlyExportedMetricNames()
    {
        var exported = typeof(ExportedNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        string[] histogramSeries = ["_bucket", "_sum", "_count"];
        var cancellationToken = TestContext.Current.CancellationToken;
        var text = await File.ReadAllTextAsync(AlertRules, cancellationToken) + await File.ReadAllTextAsync(Dashboard, cancellationToken);

        var used = MetricName().Matches(text).Select(m => m.Value).Distinct().ToList();

        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.True(
            exported.Contains(name) || histogramSeries.Any(s => name.EndsWith(s, StringComparison.Ordinal) && exported.Contains(name[..^s.Length])),
            $"{name} is not an exported metric"));
    }

    private static List<string> DashboardExpressions(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
    }

    [GeneratedRegex(@"\bpccl_[a-z_]+\b")]
    private static partial Regex MetricName();
}
