using System.Net;
using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

public class ConfigDefaultsTests
{
    [Fact]
    public void DefaultsAreTheSeedChaptersValues()
    {
        var c = PcclConfig.Default;
        Assert.Equal(7117, c.Network.MasterPort);
        Assert.Equal(100, c.Network.HeartbeatIntervalMs);
        Assert.Equal(500, c.Network.HeartbeatTimeoutMs);
        Assert.Equal(new PortRange(7118, 7150), c.Network.P2PPortRange);
        Assert.Equal("pccl", c.Network.ClusterId);
        Assert.False(c.Network.Tls.Enabled);
        Assert.False(c.Auth.Enabled);
        Assert.Empty(c.Auth.AllowedNetworks);
        Assert.Equal(0, c.Auth.MaxPeers);
        Assert.True(c.FaultTolerance.EnableBufferBackup);
        Assert.Equal(100, c.FaultTolerance.CheckpointIntervalSteps);
        Assert.Equal(3, c.FaultTolerance.MaxRecoveryAttempts);
        Assert.Null(c.FaultTolerance.CheckpointDir);
        Assert.Equal(4194304, c.Performance.RingChunkSize);
        Assert.Equal(4, c.Performance.NumIoThreads);
        Assert.False(c.Performance.EnableCompression);
        Assert.Equal(4, c.Performance.P2PConnectionPoolSize);
        Assert.Equal(LogLevel.Information, c.Logging.Level);
        Assert.Equal("/var/log/pccl/worker.log", c.Logging.File);
        Assert.Equal(100, c.Logging.MaxSizeMb);
        Assert.Null(c.Metrics.Port); // the role decides: 9090 for the master, the first free of 9091-9123 for a worker
        Assert.Equal("0.0.0.0", c.Metrics.BindAddress);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("network:\nauth:\n")]
    public void EmptyFileOrEmptySectionsGiveTheDefaults(string yaml) =>
        Assert.Equal(PcclConfig.Default.ToString(), ConfigHarness.Valid(yaml).ToString());

    [Fact]
    public void NoFileGivesTheDefaults()
    {
        var config = ConfigLoader.Load(null, ConfigHarness.Empty, ConfigHarness.Empty);
        Assert.Equal(PcclConfig.Default.ToString(), config.ToString());
    }

    [Fact]
    public void DefaultOptionsMappingEqualsTheLibraryDefaults()
    {
        Assert.Equal(CommunicatorOptions.Default, PcclConfig.Default.ToCommunicatorOptions() with { Auth = AuthOptions.Disabled });
        Assert.Equal(MasterOptions.Default, PcclConfig.Default.ToMasterOptions() with { Auth = AuthOptions.Disabled });
    }

    [Fact]
    public void EveryKeyReachesCommunicatorAndMasterOptions()
    {
        const string yaml = """
            network:
              master_host: master.example.com
              master_port: 8000
              heartbeat_interval_ms: 50
              heartbeat_timeout_ms: 250
              connect_timeout_ms: 2000
              p2p_port_range: "9000-9010"
              bind_address: 10.1.2.3
              cluster_id: run-7
              peer_group: 2
              region: eu-west
              tls: { enabled: true, cert_file: c.crt, key_file: c.key, ca_file: ca.crt }
            auth:
              enabled: true
              secret: s3cret-value
              allowed_networks: ["10.0.0.0/8", "192.168.1.7"]
              max_peers: 16
              max_handshakes_per_source: 48
            fault_tolerance:
              enable_buffer_backup: false
              max_recovery_attempts: 5
              registration_timeout_ms: 1000
              vote_timeout_ms: 2000
              topology_timeout_ms: 3000
              shared_state_timeout_ms: 4000
              shared_state_min_bytes_per_s: 125000000
            performance: { ring_chunk_size: 1048576, num_io_threads: 2, enable_compression: true, p2p_connection_pool_size: 8 }
            """;
        var config = ConfigHarness.Valid(yaml);
        var worker = config.ToCommunicatorOptions();
        Assert.Equal("master.example.com", worker.MasterHost);
        Assert.Equal(8000, worker.MasterPort);
        Assert.Equal(TimeSpan.FromMilliseconds(50), worker.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), worker.HeartbeatTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), worker.ConnectTimeout);
        Assert.Equal(new PortRange(9000, 9010), worker.P2PPorts);
        Assert.Equal("10.1.2.3", worker.P2PBindAddress);
        Assert.Equal("run-7", worker.ClusterId);
        Assert.Equal(2u, worker.PeerGroup);
        Assert.Equal("eu-west", worker.Region);
        Assert.False(worker.EnableBufferBackup);
        Assert.Equal(5, worker.MaxRecoveryAttempts);
        Assert.Equal(1048576, worker.RingChunkSize);
        Assert.Equal(2, worker.NumIoThreads);
        Assert.True(worker.EnableCompression);
        Assert.Equal(8, worker.P2PConnectionPoolSize);
        Assert.Equal(new TlsOptions { Enabled = true, CertFile = "c.crt", KeyFile = "c.key", CaFile = "ca.crt" }, worker.Tls);
        Assert.True(worker.Auth.Enabled);
        Assert.Equal("s3cret-value", worker.Auth.Secret);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("192.168.1.7/32")], worker.Auth.AllowedNetworks);
        Assert.Equal(16, worker.Auth.MaxPeers);

        var master = config.ToMasterOptions();
        Assert.Equal("10.1.2.3", master.BindAddress);
        Assert.Equal(8000, master.Port);
        Assert.Equal("run-7", master.ClusterId);
        Assert.Equal(TimeSpan.FromMilliseconds(250), master.HeartbeatTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), master.RegistrationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), master.VoteTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), master.TopologyTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), master.SharedStateTimeout);
        Assert.Equal(125_000_000, master.SharedStateMinBytesPerSecond);
        Assert.Equal(worker.Tls, master.Tls);
        Assert.Equal(16, master.Auth.MaxPeers);
        Assert.Equal(48, master.Auth.MaxHandshakesPerSource);
        Assert.Equal("s3cret-value", master.Auth.Secret);
    }

    [Fact]
    public void NullOptionalValuesMeanUnset()
    {
        var config = ConfigHarness.Valid("logging:\n  file: ~\nfault_tolerance:\n  checkpoint_dir: \"\"\n");
        Assert.Null(config.Logging.File);
        Assert.Null(config.FaultTolerance.CheckpointDir);
    }

    [Fact]
    public void LogFileNoneMeansTheConsoleOnlyFromEverySource()
    {
        const string File = "logging:\n  file: /var/log/run.log\n";
        Assert.Null(ConfigHarness.Valid("logging:\n  file: none\n").Logging.File);
        Assert.Null(ConfigHarness.Valid(File, new Dictionary<string, string> { ["PCCL_LOGGING_FILE"] = "none" }).Logging.File);
        Assert.Null(ConfigHarness.Valid(File, null, new Dictionary<string, string> { ["logging.file"] = "none" }).Logging.File);
        Assert.Equal("none.log", ConfigHarness.Valid("", new Dictionary<string, string> { ["PCCL_LOGGING_FILE"] = "none.log" }).Logging.File);
    }

    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("DEBUG", LogLevel.Debug)]
    [InlineData("Info", LogLevel.Information)]
    [InlineData("WARN", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    public void LogLevelsMapOntoLoggingLevels(string text, LogLevel expected) =>
        Assert.Equal(expected, ConfigHarness.Valid($"logging:\n  level: {text}").Logging.Level);

    [Fact]
    public void AnchorsAndAliasesAreResolved()
    {
        var config = ConfigHarness.Valid("network:\n  bind_address: &bind 127.0.0.1\n  master_port: &port 8100\nmetrics:\n  bind_address: *bind\n  port: *port\n");
        Assert.Equal(8100, config.Metrics.Port);
        Assert.Equal("127.0.0.1", config.Metrics.BindAddress);
    }
}
