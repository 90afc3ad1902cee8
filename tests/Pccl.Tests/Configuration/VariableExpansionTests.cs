using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public class VariableExpansionTests
{
    private static Dictionary<string, string> Env(params (string Name, string Value)[] variables) =>
        variables.ToDictionary(v => v.Name, v => v.Value);

    [Fact]
    public void VariablesExpandInsideValuesAndAreThenTyped()
    {
        var config = ConfigHarness.Valid(
            "network:\n  master_host: \"${HOST}.internal\"\n  master_port: ${PORT}\n",
            Env(("HOST", "m1"), ("PORT", "8123")));
        Assert.Equal("m1.internal", config.Network.MasterHost);
        Assert.Equal(8123, config.Network.MasterPort);
    }

    [Fact]
    public void DefaultAppliesWhenUnsetOrEmpty()
    {
        const string yaml = "network:\n  master_port: ${PORT:-7200}\n  region: ${REGION:-eu}\n";
        Assert.Equal(7200, ConfigHarness.Valid(yaml).Network.MasterPort);
        Assert.Equal("eu", ConfigHarness.Valid(yaml, Env(("REGION", ""))).Network.Region);
        Assert.Equal("us", ConfigHarness.Valid(yaml, Env(("REGION", "us"))).Network.Region);
    }

    [Fact]
    public void UnsetVariableWithoutDefaultNamesTheVariableAndKey()
    {
        Assert.Equal(
            "test.yaml:3:11: key 'auth.secret': environment variable PCCL_AUTH_SECRET is not set (set it, or write ${PCCL_AUTH_SECRET:-default})",
            ConfigHarness.OneProblem("auth:\n  enabled: true\n  secret: \"${PCCL_AUTH_SECRET}\"\n"));
    }

    [Fact]
    public void ExpandedValueIsCheckedLikeAWrittenOne()
    {
        Assert.Equal(
            "test.yaml:2:16: key 'network.master_port': must be between 1 and 65535, got 99999",
            ConfigHarness.OneProblem("network:\n  master_port: ${PORT}\n", Env(("PORT", "99999"))));
    }

    [Theory]
    [InlineData("network:\n  region: \"${UNCLOSED\"", "test.yaml:2:11: key 'network.region': '${' is not closed by '}'")]
    [InlineData("network:\n  region: \"${1BAD}\"", "test.yaml:2:11: key 'network.region': '${1BAD}' does not name an environment variable (letters, digits, '_')")]
    public void MalformedReferencesAreErrors(string yaml, string expected) =>
        Assert.Equal(expected, ConfigHarness.OneProblem(yaml));

    [Fact]
    public void DoubleDollarWritesALiteralReference() =>
        Assert.Equal("a${B}c", ConfigHarness.Valid("network:\n  region: \"a$${B}c\"").Network.Region);

    [Fact]
    public void ListItemsExpand()
    {
        var config = ConfigHarness.Valid("auth:\n  allowed_networks:\n    - ${NET}\n    - 192.168.0.0/16\n", Env(("NET", "10.0.0.0/8")));
        Assert.Equal(["10.0.0.0/8", "192.168.0.0/16"], config.Auth.AllowedNetworks.Select(n => n.ToString()));
    }
}
