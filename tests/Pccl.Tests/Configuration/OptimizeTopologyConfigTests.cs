using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public sealed class OptimizeTopologyConfigTests
{
    [Fact]
    public void Off_by_default() => Assert.Equal(TopologyOptimization.Off, ConfigHarness.Valid("").Performance.OptimizeTopology);

    [Theory]
    [InlineData("on_world_change", TopologyOptimization.OnWorldChange)]
    [InlineData("ON_WORLD_CHANGE", TopologyOptimization.OnWorldChange)]
    [InlineData("off", TopologyOptimization.Off)]
    public void Parses_each_value(string value, TopologyOptimization expected) =>
        Assert.Equal(expected, ConfigHarness.Valid($"performance:\n  optimize_topology: {value}").Performance.OptimizeTopology);

    [Fact]
    public void The_environment_sets_it() =>
        Assert.Equal(TopologyOptimization.OnWorldChange,
            ConfigHarness.Valid("", new Dictionary<string, string> { ["PCCL_PERFORMANCE_OPTIMIZE_TOPOLOGY"] = "on_world_change" }).Performance.OptimizeTopology);

    [Fact]
    public void A_wrong_value_names_the_key_and_the_choices() =>
        Assert.Equal("test.yaml:2:22: key 'performance.optimize_topology': must be off or on_world_change, got 'always'",
            ConfigHarness.OneProblem("performance:\n  optimize_topology: always"));
}
