namespace Pccl.Tests.Configuration;

public class AdvertiseAddressConfigTests
{
    [Fact]
    public void UnsetByDefaultSoTheMasterUsesTheObservedAddress()
    {
        var config = ConfigHarness.Valid("");

        Assert.Null(config.Network.AdvertiseAddress);
        Assert.Null(config.ToCommunicatorOptions().AdvertiseAddress);
    }

    [Fact]
    public void TheFileTheEnvironmentAndFlagsSetIt()
    {
        Assert.Equal("10.1.2.3", ConfigHarness.Valid("network:\n  advertise_address: 10.1.2.3\n").ToCommunicatorOptions().AdvertiseAddress);
        var env = new Dictionary<string, string> { ["PCCL_NETWORK_ADVERTISE_ADDRESS"] = "pod-7.workers.svc" };
        Assert.Equal("pod-7.workers.svc", ConfigHarness.Valid("", env).Network.AdvertiseAddress);
        var flags = new Dictionary<string, string> { ["network.advertise_address"] = "fd00::7" };
        Assert.Equal("fd00::7", ConfigHarness.Valid("", env, flags).Network.AdvertiseAddress);
    }

    [Fact]
    public void AnEmptyValueLeavesItUnsetAndGarbageIsAnErrorNamingTheKey()
    {
        Assert.Null(ConfigHarness.Valid("network:\n  advertise_address: \"\"\n").Network.AdvertiseAddress);
        var problem = ConfigHarness.OneProblem("network:\n  advertise_address: \"not a host\"\n");
        Assert.Contains("network.advertise_address", problem, StringComparison.Ordinal);
    }
}
