using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public class PrecedenceTests
{
    private const string File = "network:\n  master_port: 8001\n  master_host: from-file\nlogging:\n  level: WARN\n";

    [Fact]
    public void EachSourceOverridesTheOneBefore()
    {
        Assert.Equal(7117, ConfigHarness.Valid("").Network.MasterPort);
        Assert.Equal(8001, ConfigHarness.Valid(File).Network.MasterPort);

        var env = new Dictionary<string, string> { ["PCCL_NETWORK_MASTER_PORT"] = "8002" };
        var fromEnv = ConfigHarness.Valid(File, env);
        Assert.Equal(8002, fromEnv.Network.MasterPort);
        Assert.Equal("from-file", fromEnv.Network.MasterHost);

        var flags = new Dictionary<string, string> { ["network.master_port"] = "8003" };
        var fromFlag = ConfigHarness.Valid(File, env, flags);
        Assert.Equal(8003, fromFlag.Network.MasterPort);
        Assert.Equal("from-file", fromFlag.Network.MasterHost);
    }

    [Fact]
    public void EnvironmentAndFlagsApplyWithoutAFile()
    {
        var config = ConfigLoader.Load(
            null,
            new Dictionary<string, string> { ["PCCL_NETWORK_TLS_ENABLED"] = "true", ["PCCL_NETWORK_TLS_CERT_FILE"] = "c", ["PCCL_NETWORK_TLS_KEY_FILE"] = "k" },
            new Dictionary<string, string> { ["network.master_host"] = "h", ["network.peer_group"] = "3", ["auth.allowed_networks"] = "10.0.0.0/8, 172.16.0.0/12" });
        Assert.True(config.Network.Tls.Enabled);
        Assert.Equal("h", config.Network.MasterHost);
        Assert.Equal(3u, config.Network.PeerGroup);
        Assert.Equal(2, config.Auth.AllowedNetworks.Count);
    }

    [Fact]
    public void ShortLogLevelVariableOverridesTheFileButNotTheFullName()
    {
        Assert.Equal(LogLevel.Debug, ConfigHarness.Valid(File, new Dictionary<string, string> { ["PCCL_LOG_LEVEL"] = "DEBUG" }).Logging.Level);
        var both = new Dictionary<string, string> { ["PCCL_LOG_LEVEL"] = "DEBUG", ["PCCL_LOGGING_LEVEL"] = "ERROR" };
        Assert.Equal(LogLevel.Error, ConfigHarness.Valid(File, both).Logging.Level);
    }

    [Fact]
    public void BadEnvironmentValueNamesTheVariable()
    {
        Assert.Equal(
            "environment variable PCCL_NETWORK_MASTER_PORT: key 'network.master_port': must be an integer, got 'x'",
            ConfigHarness.OneProblem(File, new Dictionary<string, string> { ["PCCL_NETWORK_MASTER_PORT"] = "x" }));
        Assert.Equal(
            "environment variable PCCL_LOG_LEVEL: key 'logging.level': must be one of TRACE, DEBUG, INFO, WARN, ERROR, got 'LOUD'",
            ConfigHarness.OneProblem("", new Dictionary<string, string> { ["PCCL_LOG_LEVEL"] = "LOUD" }));
    }

    [Fact]
    public void MisspelledSectionVariableIsReportedButForeignVariablesAreIgnored()
    {
        var env = new Dictionary<string, string>
        {
            ["PCCL_NETWORK_MASTER_PROT"] = "1",
            ["PCCL_ROLE"] = "worker",
            ["PCCL_SOMETHING_ELSE"] = "x",
            ["PATH"] = "/bin",
        };
        Assert.Equal(
            "environment variable PCCL_NETWORK_MASTER_PROT: names no configuration key (did you mean PCCL_NETWORK_MASTER_PORT?)",
            ConfigHarness.OneProblem("", env));
    }

    [Fact]
    public void FlagProblemsNameTheFlag()
    {
        var (_, problems) = ConfigHarness.Evaluate("", null, new Dictionary<string, string>
        {
            ["network.master_hots"] = "h",
            ["network.master_port"] = "0",
        });
        Assert.Equal(
            [
                "command-line flag 'network.master_hots': unknown key 'network.master_hots' (did you mean 'network.master_host'?)",
                "command-line flag 'network.master_port': key 'network.master_port': must be between 1 and 65535, got 0",
            ],
            problems);
    }

    [Fact]
    public void RuleViolationCausedByAnOverrideBlamesTheOverride()
    {
        var env = new Dictionary<string, string> { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "90" };
        Assert.Equal(
            "environment variable PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS: key 'network.heartbeat_timeout_ms': must exceed heartbeat_interval_ms (100)",
            ConfigHarness.OneProblem("", env));
    }

    [Fact]
    public void OverrideCanRepairAFileValue()
    {
        var flags = new Dictionary<string, string> { ["network.heartbeat_timeout_ms"] = "600" };
        Assert.Equal(600, ConfigHarness.Valid("network:\n  heartbeat_timeout_ms: 50\n", null, flags).Network.HeartbeatTimeoutMs);
    }
}
