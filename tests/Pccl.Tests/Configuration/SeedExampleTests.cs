using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public class SeedExampleTests
{
    [Fact]
    public void DeployedExampleValidatesAndHoldsTheSeedValues()
    {
        var path = ConfigHarness.RepositoryFile("deploy/pccl_config.yaml");
        Assert.Empty(ConfigValidator.Validate(path, ConfigHarness.Empty));

        var config = ConfigLoader.Load(path, ConfigHarness.Empty, ConfigHarness.Empty);
        Assert.Equal("master.example.com", config.Network.MasterHost);
        Assert.Equal(PcclConfig.Default with { Network = PcclConfig.Default.Network with { MasterHost = "master.example.com" } }, config with { Auth = PcclConfig.Default.Auth });
    }

    [Fact]
    public void SeedSecuritySnippetParsesWithTheSecretFromTheEnvironment()
    {
        const string yaml = """
            # Enable TLS
            network:
              tls:
                enabled: true
                cert_file: "/etc/pccl/server.crt"
                key_file: "/etc/pccl/server.key"
                ca_file: "/etc/pccl/ca.crt"
            # Shared secret authentication
            auth:
              enabled: true
              secret: "${PCCL_AUTH_SECRET}" # from environment
            """;
        var config = ConfigHarness.Valid(yaml, new Dictionary<string, string> { ["PCCL_AUTH_SECRET"] = "from-env" });
        Assert.True(config.Network.Tls.Enabled);
        Assert.Equal("/etc/pccl/ca.crt", config.Network.Tls.CaFile);
        Assert.Equal("from-env", config.Auth.Secret);
    }

    [Fact]
    public void DocumentationNamesEveryKeyAndEnvironmentVariable()
    {
        var doc = File.ReadAllText(ConfigHarness.RepositoryFile("docs/configuration.md"));
        foreach (var key in ConfigSchema.Keys)
        {
            Assert.Contains($"`{key.Path}`", doc, StringComparison.Ordinal);
            Assert.Contains($"`{key.EnvironmentVariable}`", doc, StringComparison.Ordinal);
        }

        Assert.Contains("`PCCL_LOG_LEVEL`", doc, StringComparison.Ordinal);
        Assert.Contains("`PCCL_ROLE`", doc, StringComparison.Ordinal);
    }
}
