using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public class ConfigErrorTests
{
    [Fact]
    public void TimeoutNotAboveIntervalNamesTimeoutKeyAndLine()
    {
        const string yaml = """
            network:
              heartbeat_interval_ms: 100
              heartbeat_timeout_ms: 100
            """;
        Assert.Equal(
            "test.yaml:3:25: key 'network.heartbeat_timeout_ms': must exceed heartbeat_interval_ms (100)",
            ConfigHarness.OneProblem(yaml));
    }

    [Fact]
    public void IntervalAboveDefaultTimeoutBlamesTheIntervalThatWasSet()
    {
        const string yaml = """
            network:
              heartbeat_interval_ms: 1000
            """;
        Assert.Equal(
            "test.yaml:2:26: key 'network.heartbeat_interval_ms': must be below heartbeat_timeout_ms (500)",
            ConfigHarness.OneProblem(yaml));
    }

    [Theory]
    [InlineData("network:\n  master_port: 0", "test.yaml:2:16: key 'network.master_port': must be between 1 and 65535, got 0")]
    [InlineData("network:\n  master_port: 70000", "test.yaml:2:16: key 'network.master_port': must be between 1 and 65535, got 70000")]
    [InlineData("network:\n  master_port: seven", "test.yaml:2:16: key 'network.master_port': must be an integer, got 'seven'")]
    [InlineData("performance:\n  ring_chunk_size: 0", "test.yaml:2:20: key 'performance.ring_chunk_size': must be at least 1, got 0")]
    [InlineData("performance:\n  ring_chunk_size: -4", "test.yaml:2:20: key 'performance.ring_chunk_size': must be at least 1, got -4")]
    [InlineData("performance:\n  enable_compression: yes", "test.yaml:2:23: key 'performance.enable_compression': must be true or false, got 'yes'")]
    [InlineData("logging:\n  level: VERBOSE", "test.yaml:2:10: key 'logging.level': must be one of TRACE, DEBUG, INFO, WARN, ERROR, got 'VERBOSE'")]
    [InlineData("network:\n  peer_group: -1", "test.yaml:2:15: key 'network.peer_group': must be between 0 and 4294967295, got -1")]
    [InlineData("network:\n  p2p_port_range: 7150-7118", "test.yaml:2:19: key 'network.p2p_port_range': the first port must not exceed the last, got '7150-7118'")]
    [InlineData("network:\n  p2p_port_range: abc", "test.yaml:2:19: key 'network.p2p_port_range': must be a port range such as 7118-7150, got 'abc'")]
    [InlineData("network:\n  bind_address: everywhere", "test.yaml:2:17: key 'network.bind_address': must be an IP address such as 0.0.0.0, got 'everywhere'")]
    [InlineData("network:\n  master_host: \"bad host\"", "test.yaml:2:16: key 'network.master_host': must be a host name or IP address, got 'bad host'")]
    [InlineData("network:\n  cluster_id: \"\"", "test.yaml:2:15: key 'network.cluster_id': must be a non-empty string, got nothing")]
    [InlineData("network:\n  master_port:", "test.yaml:2:15: key 'network.master_port': must be an integer, got nothing")]
    [InlineData("network:\n  master_port: [1, 2]", "test.yaml:2:16: key 'network.master_port': must be a single value, got a list")]
    [InlineData("network:\n  master_port:\n    a: 1", "test.yaml:3:5: key 'network.master_port': must be a single value, got a mapping")]
    [InlineData("network: 7117", "test.yaml:1:10: key 'network': must be a section (a mapping of keys), got a single value")]
    [InlineData("auth:\n  max_handshakes_per_source: 65", "test.yaml:2:30: key 'auth.max_handshakes_per_source': must be between 1 and 64, got 65")]
    [InlineData("auth:\n  max_peers: -1", "test.yaml:2:14: key 'auth.max_peers': must be at least 0, got -1")]
    [InlineData("auth:\n  allowed_networks: [\"10.0.0.1/8\"]", "test.yaml:2:21: key 'auth.allowed_networks': '10.0.0.1/8' has host bits set (did you mean '10.0.0.0/8'?)")]
    [InlineData("auth:\n  allowed_networks: [\"nowhere\"]", "test.yaml:2:21: key 'auth.allowed_networks': 'nowhere' is not a network such as 10.0.0.0/8")]
    [InlineData("fault_tolerance:\n  vote_timeout_ms: 0", "test.yaml:2:20: key 'fault_tolerance.vote_timeout_ms': must be at least 1, got 0")]
    [InlineData("fault_tolerance:\n  shared_state_min_bytes_per_s: 0", "test.yaml:2:33: key 'fault_tolerance.shared_state_min_bytes_per_s': must be at least 1, got 0")]
    [InlineData("fault_tolerance:\n  registration_timeout_ms: soon", "test.yaml:2:28: key 'fault_tolerance.registration_timeout_ms': must be an integer, got 'soon'")]
    [InlineData("network:\n  region: \"" + "R123456789" + "R123456789R123456789R123456789R123456789R123456789R123456789R123456789R123456789R123456789R123456789R123456789R123456789\"",
        "test.yaml:2:11: key 'network.region': is 130 characters long; the master accepts region labels of at most 128")]
    [InlineData("network:\n  region: eu//fra", "test.yaml:2:11: key 'network.region': 'eu//fra' has an empty level: write levels separated by single '/' (e.g. eu/fra/rack1), with none at either end")]
    [InlineData("- a\n- b", "test.yaml:1:1: the file must be a mapping of sections (network, auth, ...), got a list")]
    public void WrongTypeOrImpossibleValueNamesKeyAndPosition(string yaml, string expected) =>
        Assert.Equal(expected, ConfigHarness.OneProblem(yaml));

    [Fact]
    public void UnknownKeySuggestsTheNearestSibling()
    {
        const string yaml = """
            network:
              master_port: 7117
              heartbeat_intervall_ms: 100
            """;
        Assert.Equal(
            "test.yaml:3:3: unknown key 'network.heartbeat_intervall_ms' (did you mean 'heartbeat_interval_ms'?)",
            ConfigHarness.OneProblem(yaml));
    }

    [Theory]
    [InlineData("netwrok:\n  master_port: 1", "test.yaml:1:1: unknown key 'netwrok' (did you mean 'network'?)")]
    [InlineData("network:\n  level: INFO", "test.yaml:2:3: unknown key 'network.level' (did you mean 'logging.level'?)")]
    [InlineData("master_port: 7117", "test.yaml:1:1: unknown key 'master_port' (did you mean 'network.master_port'?)")]
    [InlineData("network:\n  tls:\n    enable: true", "test.yaml:3:5: unknown key 'network.tls.enable' (did you mean 'enabled'?)")]
    [InlineData("network:\n  frobnicate: 1", "test.yaml:2:3: unknown key 'network.frobnicate'")]
    public void UnknownKeysAreReportedWithSuggestionsWhereOneFits(string yaml, string expected) =>
        Assert.Equal(expected, ConfigHarness.OneProblem(yaml));

    [Fact]
    public void DuplicateKeyNamesBothLines()
    {
        const string yaml = """
            network:
              master_port: 7117
              master_port: 7118
            """;
        Assert.Equal("test.yaml:3:3: key 'network.master_port': duplicate key (first set at line 2)", ConfigHarness.OneProblem(yaml));
    }

    [Fact]
    public void SyntaxErrorNamesItsLine()
    {
        const string yaml = """
            network:
              master_host: "unterminated
              master_port: 7117
            """;
        var problem = ConfigHarness.OneProblem(yaml);
        Assert.StartsWith("test.yaml:", problem, StringComparison.Ordinal);
        Assert.Contains("YAML syntax error", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("(Line:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblemIsCollectedNotJustTheFirst()
    {
        const string yaml = """
            network:
              master_port: 0
              heartbeat_timeout_ms: 50
              bogus: 1
            performance:
              num_io_threads: zero
            logging:
              level: LOUD
            """;
        var (_, problems) = ConfigHarness.Evaluate(yaml, new Dictionary<string, string> { ["PCCL_METRICS_PORT"] = "x" });
        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("test.yaml:2:", StringComparison.Ordinal) && p.Contains("network.master_port", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("test.yaml:3:", StringComparison.Ordinal) && p.Contains("must exceed heartbeat_interval_ms (100)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("test.yaml:4:", StringComparison.Ordinal) && p.Contains("unknown key 'network.bogus'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("test.yaml:6:", StringComparison.Ordinal) && p.Contains("performance.num_io_threads", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("test.yaml:8:", StringComparison.Ordinal) && p.Contains("logging.level", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("environment variable PCCL_METRICS_PORT:", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadThrowsConfigExceptionListingEveryProblem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pccl-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "network:\n  master_port: 0\nlogging:\n  level: LOUD\n");
        try
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, ConfigHarness.Empty, ConfigHarness.Empty));
            Assert.Equal(PcclErrorCode.InvalidConfiguration, e.Code);
            Assert.False(e.IsTransient);
            Assert.Equal(2, e.Problems.Count);
            Assert.Contains($"{path}:2:16: key 'network.master_port'", e.Message, StringComparison.Ordinal);
            Assert.Contains($"{path}:4:10: key 'logging.level'", e.Message, StringComparison.Ordinal);
            Assert.IsAssignableFrom<PcclException>(e);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingFileIsAProblemNotACrash()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pccl-missing-{Guid.NewGuid():N}.yaml");
        var problem = Assert.Single(ConfigValidator.Validate(path, ConfigHarness.Empty));
        Assert.Equal($"{path}: file not found", problem);
    }

    [Fact]
    public void TlsEnabledWithoutCertificateNamesTheMissingKeysAtTheSwitch()
    {
        const string yaml = """
            network:
              tls:
                enabled: true
                key_file: /etc/pccl/server.key
            """;
        Assert.Equal("test.yaml:3:14: key 'network.tls.cert_file': must be set when network.tls.enabled is true", ConfigHarness.OneProblem(yaml));
    }

    [Fact]
    public void AuthEnabledWithoutSecretIsAnError()
    {
        Assert.Equal(
            "test.yaml:2:12: key 'auth.secret': must be set when auth.enabled is true",
            ConfigHarness.OneProblem("auth:\n  enabled: true"));
    }

    [Fact]
    public void MetricsPortClashingWithMasterPortIsAnError()
    {
        var problem = ConfigHarness.OneProblem("metrics:\n  enabled: true\n  port: 7117");
        Assert.StartsWith("test.yaml:3:9: key 'metrics.port':", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SecondDocumentIsRefused()
    {
        var problem = ConfigHarness.OneProblem("network:\n  master_port: 7117\n---\nnetwork:\n  master_port: 1\n");
        Assert.StartsWith("test.yaml:3:1:", problem, StringComparison.Ordinal);
    }
}
