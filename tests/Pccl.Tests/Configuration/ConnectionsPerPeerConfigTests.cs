using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

/// <summary><c>performance.connections_per_peer</c>: <c>auto</c> or a fixed count of 1 to 8, from the file, the environment or a flag.</summary>
public class ConnectionsPerPeerConfigTests
{
    [Fact]
    public void DefaultsToAutomatic()
    {
        Assert.Null(ConfigHarness.Valid("").Performance.ConnectionsPerPeer);
        Assert.Null(ConfigHarness.Valid("").ToCommunicatorOptions().ConnectionsPerPeer);
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("AUTO", null)]
    [InlineData("1", 1)]
    [InlineData("4", 4)]
    [InlineData("8", 8)]
    public void AcceptsAutoOrACount(string value, int? expected)
    {
        var config = ConfigHarness.Valid($"performance:\n  connections_per_peer: {value}");
        Assert.Equal(expected, config.Performance.ConnectionsPerPeer);
        Assert.Equal(expected, config.ToCommunicatorOptions().ConnectionsPerPeer);
    }

    [Fact]
    public void TheEnvironmentAndAFlagSetItToo()
    {
        Assert.Equal(3, ConfigHarness.Valid("", new Dictionary<string, string> { ["PCCL_PERFORMANCE_CONNECTIONS_PER_PEER"] = "3" }).Performance.ConnectionsPerPeer);
        Assert.Equal(2, ConfigHarness.Valid("performance:\n  connections_per_peer: 5", flags: new Dictionary<string, string> { ["performance.connections_per_peer"] = "2" })
            .Performance.ConnectionsPerPeer);
    }

    [Theory]
    [InlineData("0", "test.yaml:2:25: key 'performance.connections_per_peer': must be auto or between 1 and 8, got 0")]
    [InlineData("9", "test.yaml:2:25: key 'performance.connections_per_peer': must be auto or between 1 and 8, got 9")]
    [InlineData("many", "test.yaml:2:25: key 'performance.connections_per_peer': must be auto or an integer from 1 to 8, got 'many'")]
    [InlineData("[2, 4]", "test.yaml:2:25: key 'performance.connections_per_peer': must be a single value, got a list")]
    public void RefusesAnythingElseNamingTheKey(string value, string expected) =>
        Assert.Equal(expected, ConfigHarness.OneProblem($"performance:\n  connections_per_peer: {value}"));

    [Fact]
    public async Task TheLibraryRefusesACountOutsideTheRangeNamingTheKey()
    {
        var options = CommunicatorOptions.Default with { ConnectionsPerPeer = 9, MasterPort = 1 };
        var refused = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(options, ct: TestContext.Current.CancellationToken));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, refused.Code);
        Assert.Contains("performance.connections_per_peer", refused.Message);
        Assert.Contains("between 1 and 8", refused.Message);
    }
}
