using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

/// <summary><c>performance.start_grants</c>: on by default, a boolean from the file, the environment or a flag.</summary>
public class StartGrantsConfigTests
{
    [Fact]
    public void DefaultsToOn()
    {
        Assert.True(ConfigHarness.Valid("").Performance.StartGrants);
        Assert.True(ConfigHarness.Valid("").ToCommunicatorOptions().StartGrants);
        Assert.True(CommunicatorOptions.Default.StartGrants);
    }

    [Fact]
    public void TheFileTheEnvironmentAndAFlagTurnItOff()
    {
        Assert.False(ConfigHarness.Valid("performance:\n  start_grants: false").ToCommunicatorOptions().StartGrants);
        Assert.False(ConfigHarness.Valid("", new Dictionary<string, string> { ["PCCL_PERFORMANCE_START_GRANTS"] = "false" }).Performance.StartGrants);
        Assert.False(ConfigHarness.Valid("", flags: new Dictionary<string, string> { ["performance.start_grants"] = "false" }).Performance.StartGrants);
    }

    [Theory]
    [InlineData("performance:\n  start_grants: yes", "test.yaml:2:17: key 'performance.start_grants': must be true or false, got 'yes'")]
    [InlineData("performance:\n  start_grant: true", "test.yaml:2:3: unknown key 'performance.start_grant' (did you mean 'start_grants'?)")]
    public void ATypoIsRefusedNamingTheKey(string yaml, string expected) => Assert.Equal(expected, ConfigHarness.OneProblem(yaml));
}
