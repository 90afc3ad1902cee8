using Pccl.Tests.Configuration;

namespace Pccl.Tests.Failover;

/// <summary>The masters a peer follows: <c>network.master_host</c> as one host or a list, and its parse errors.</summary>
public class MasterListTests
{
    [Fact]
    public void AListGivesEveryMasterInOrderWithTheDefaultPortWhereNoneIsWritten()
    {
        var masters = MasterEndpoint.ParseList("m1:7200, m2 ,[::1]:7300,10.0.0.9", 7117);

        Assert.Equal(
            [new MasterEndpoint("m1", 7200), new MasterEndpoint("m2", 7117), new MasterEndpoint("::1", 7300), new MasterEndpoint("10.0.0.9", 7117)],
            masters);
        Assert.Equal("[::1]:7300", masters[2].ToString());
    }

    [Theory]
    [InlineData("m1:70000", "'m1:70000' has port '70000': a port is a number from 1 to 65535")]
    [InlineData("m1:x", "'m1:x' has port 'x': a port is a number from 1 to 65535")]
    [InlineData("bad host:7117", "'bad host:7117' is not a host name or IP address with an optional :port")]
    [InlineData(" , ", "the list of masters is empty: name at least one host, e.g. m1:7117,m2:7117")]
    public void AnEntryThatIsNoEndpointIsNamed(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => MasterEndpoint.ParseList(text, 7117)).Message);

    [Fact]
    public void TheConfigListBecomesTheCommunicatorsMastersAndItsReconnectWindow()
    {
        var config = ConfigHarness.Valid("network:\n  master_host: \"m1:7200,m2\"\n  master_port: 7400\nfault_tolerance:\n  master_reconnect_timeout_ms: 1234\n");

        var options = config.ToCommunicatorOptions();

        Assert.Equal([new MasterEndpoint("m1", 7200), new MasterEndpoint("m2", 7400)], options.Masters);
        Assert.Equal(("m1", 7200), (options.MasterHost, options.MasterPort));
        Assert.Equal(TimeSpan.FromMilliseconds(1234), options.MasterReconnectTimeout);
    }

    [Fact]
    public void AYamlListIsTakenToo()
    {
        var config = ConfigHarness.Valid("network:\n  master_host:\n    - m1:7200\n    - m2:7201\n");

        Assert.Equal([new MasterEndpoint("m1", 7200), new MasterEndpoint("m2", 7201)], config.ToCommunicatorOptions().Masters);
    }

    [Fact]
    public void OneHostStaysOneMasterOnTheMasterPort()
    {
        var options = ConfigHarness.Valid("network:\n  master_host: master.example.com\n  master_port: 8001\n").ToCommunicatorOptions();

        Assert.Equal([new MasterEndpoint("master.example.com", 8001)], options.Masters);
    }

    [Fact]
    public void ABadEntryOfTheListNamesTheKeyAndTheEntry() =>
        Assert.Equal(
            "test.yaml:2:16: key 'network.master_host': 'm2:99999' has port '99999': a port is a number from 1 to 65535 " +
            "(write masters as host[:port] separated by commas, e.g. m1:7117,m2:7117)",
            ConfigHarness.OneProblem("network:\n  master_host: \"m1:7117,m2:99999\""));

    [Fact]
    public void WithoutAListTheCommunicatorHasItsOneMaster() =>
        Assert.Equal([new MasterEndpoint("h", 9)], (CommunicatorOptions.Default with { MasterHost = "h", MasterPort = 9 }).Masters);
}
