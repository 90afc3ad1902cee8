using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public class SecretRedactionTests
{
    private const string Secret = "hunter2-very-secret";

    [Fact]
    public void SecretNeverAppearsInToString()
    {
        var config = ConfigHarness.Valid($"auth:\n  enabled: true\n  secret: {Secret}\n");
        Assert.Equal(Secret, config.Auth.Secret);
        Assert.DoesNotContain(Secret, config.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, config.Auth.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, config.ToCommunicatorOptions().ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, config.ToMasterOptions().ToString(), StringComparison.Ordinal);
        Assert.Contains("Secret = ***", config.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SecretNeverAppearsInProblems()
    {
        var (_, problems) = ConfigHarness.Evaluate($"auth:\n  secret: [{Secret}]\n  enabled: true\n");
        Assert.Contains(problems, p => p.Contains("key 'auth.secret'", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain(Secret, p, StringComparison.Ordinal));

        var env = new Dictionary<string, string> { ["PCCL_AUTH_SECRET"] = Secret, ["PCCL_AUTH_ENABLED"] = "maybe" };
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, env, ConfigHarness.Empty));
        Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DisabledAuthDoesNotPassTheSecretOn()
    {
        var config = ConfigHarness.Valid($"auth:\n  secret: {Secret}\n");
        Assert.Null(config.ToCommunicatorOptions().Auth.Secret);
    }
}
