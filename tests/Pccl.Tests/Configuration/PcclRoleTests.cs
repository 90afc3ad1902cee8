using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public class PcclRoleTests
{
    [Theory]
    [InlineData("master", PcclRole.Master)]
    [InlineData("Worker", PcclRole.Worker)]
    [InlineData(" MASTER ", PcclRole.Master)]
    public void RoleComesFromPcclRole(string value, PcclRole expected) =>
        Assert.Equal(expected, PcclRoleResolver.FromEnvironment(new Dictionary<string, string> { ["PCCL_ROLE"] = value }));

    [Fact]
    public void UnsetRoleIsNull() => Assert.Null(PcclRoleResolver.FromEnvironment(ConfigHarness.Empty));

    [Theory]
    [InlineData("mastr", "environment variable PCCL_ROLE: 'mastr' is not a role; set it to master or worker (did you mean 'master'?)")]
    [InlineData("coordinator", "environment variable PCCL_ROLE: 'coordinator' is not a role; set it to master or worker")]
    [InlineData("", "environment variable PCCL_ROLE: is empty; set it to master or worker")]
    public void BadRoleIsAClearError(string value, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => PcclRoleResolver.FromEnvironment(new Dictionary<string, string> { ["PCCL_ROLE"] = value }));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, e.Code);
        Assert.Equal(expected, Assert.Single(e.Problems));
    }
}
