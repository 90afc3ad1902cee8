using System.Net;
using Microsoft.Extensions.Logging;

namespace Pccl.Hosting.Configuration;

/// <summary>Every section and key of <c>pccl_config.yaml</c>, in documentation order.</summary>
internal static class ConfigSchema
{
    public static IReadOnlyList<string> Sections { get; } =
        ["network", "network.tls", "auth", "fault_tolerance", "performance", "logging", "metrics", "metrics.tls", "master"];

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        Network("master_host", ValueParsers.MasterHosts, (n, v) => n with { MasterHost = (string)v! }, acceptsList: true),
        Network("master_port", ValueParsers.Int32(1, 65535), (n, v) => n with { MasterPort = (int)v! }),
        Network("heartbeat_interval_ms", ValueParsers.Int32(1), (n, v) => n with { HeartbeatIntervalMs = (int)v! }),
        Network("heartbeat_timeout_ms", ValueParsers.Int32(1), (n, v) => n with { HeartbeatTimeoutMs = (int)v! }),
        Network("connect_timeout_ms", ValueParsers.Int32(1), (n, v) => n with { ConnectTimeoutMs = (int)v! }),
        Network("p2p_port_range", ValueParsers.Ports, (n, v) => n with { P2PPortRange = (PortRange)v! }),
        Network("bind_address", ValueParsers.Address, (n, v) => n with { BindAddress = (string)v! }),
        Network("advertise_address", ValueParsers.OptionalHost, (n, v) => n with { AdvertiseAddress = (string?)v }),
        Network("cluster_id", ValueParsers.RequiredText, (n, v) => n with { ClusterId = (string)v! }),
        Network("peer_group", ValueParsers.UInt32(), (n, v) => n with { PeerGroup = (uint)v! }),
        Network("region", ValueParsers.Text, (n, v) => n with { Region = (string)v! }),
        Tls("enabled", ValueParsers.Boolean, (t, v) => t with { Enabled = (bool)v! }),
        Tls("cert_file", ValueParsers.OptionalText, (t, v) => t with { CertFile = (string?)v }),
        Tls("key_file", ValueParsers.OptionalText, (t, v) => t with { KeyFile = (string?)v }),
        Tls("ca_file", ValueParsers.OptionalText, (t, v) => t with { CaFile = (string?)v }),
        Auth("enabled", ValueParsers.Boolean, (a, v) => a with { Enabled = (bool)v! }),
        Auth("secret", ValueParsers.OptionalText, (a, v) => a with { Secret = (string?)v }, isSensitive: true),
        Auth("allowed_networks", ValueParsers.Networks, (a, v) => a with { AllowedNetworks = (IPNetwork[])v! }, acceptsList: true),
        Auth("max_peers", ValueParsers.Int32(0), (a, v) => a with { MaxPeers = (int)v! }),
        Auth("max_handshakes_per_source", ValueParsers.Int32(1, Pccl.Transport.HandshakeGate.DefaultLimit), (a, v) => a with { MaxHandshakesPerSource = (int)v! }),
        FaultTolerance("enable_buffer_backup", ValueParsers.Boolean, (f, v) => f with { EnableBufferBackup = (bool)v! }),
        FaultTolerance("checkpoint_interval_steps", ValueParsers.Int32(1), (f, v) => f with { CheckpointIntervalSteps = (int)v! }),
        FaultTolerance("max_recovery_attempts", ValueParsers.Int32(0), (f, v) => f with { MaxRecoveryAttempts = (int)v! }),
        FaultTolerance("checkpoint_dir", ValueParsers.OptionalText, (f, v) => f with { CheckpointDir = (string?)v }),
        FaultTolerance("master_reconnect_timeout_ms", ValueParsers.Int32(0), (f, v) => f with { MasterReconnectTimeoutMs = (int)v! }),
        FaultTolerance("registration_timeout_ms", ValueParsers.Int32(1), (f, v) => f with { RegistrationTimeoutMs = (int)v! }),
        FaultTolerance("vote_timeout_ms", ValueParsers.Int32(1), (f, v) => f with { VoteTimeoutMs = (int)v! }),
        FaultTolerance("topology_timeout_ms", ValueParsers.Int32(1), (f, v) => f with { TopologyTimeoutMs = (int)v! }),
        FaultTolerance("shared_state_timeout_ms", ValueParsers.Int32(1), (f, v) => f with { SharedStateTimeoutMs = (int)v! }),
        FaultTolerance("shared_state_min_bytes_per_s", ValueParsers.Int64(1), (f, v) => f with { SharedStateMinBytesPerS = (long)v! }),
        Performance("ring_chunk_size", ValueParsers.Int32(1), (p, v) => p with { RingChunkSize = (int)v! }),
        Performance("num_io_threads", ValueParsers.Int32(1, 256), (p, v) => p with { NumIoThreads = (int)v! }),
        Performance("enable_compression", ValueParsers.Boolean, (p, v) => p with { EnableCompression = (bool)v! }),
        Performance("p2p_connection_pool_size", ValueParsers.Int32(1, 256), (p, v) => p with { P2PConnectionPoolSize = (int)v! }),
        Performance("optimize_topology", ValueParsers.TopologyOptimization, (p, v) => p with { OptimizeTopology = (TopologyOptimization)v! }),

        Performance("connections_per_peer", ValueParsers.AutoOrInt32(1, Pccl.Protocol.Codec.RingStripes.Max), (p, v) => p with { ConnectionsPerPeer = (int?)v }),
        Performance("start_grants", ValueParsers.Boolean, (p, v) => p with { StartGrants = (bool)v! }),
        Logging("level", ValueParsers.Level, (l, v) => l with { Level = (LogLevel)v! }),
        Logging("file", ValueParsers.LogFile, (l, v) => l with { File = (string?)v }),
        Logging("max_size_mb", ValueParsers.Int32(1), (l, v) => l with { MaxSizeMb = (int)v! }),
        Logging("console", ValueParsers.LogConsole, (l, v) => l with { Console = (Pccl.Hosting.Logging.LogConsole)v! }),
        Metrics("enabled", ValueParsers.Boolean, (m, v) => m with { Enabled = (bool)v! }),
        Metrics("port", ValueParsers.Int32(0, 65535), (m, v) => m with { Port = (int)v! }),
        Metrics("bind_address", ValueParsers.Address, (m, v) => m with { BindAddress = (string)v! }),
        Metrics("bearer_token", ValueParsers.OptionalText, (m, v) => m with { BearerToken = (string?)v }, isSensitive: true),
        Metrics("bearer_token_file", ValueParsers.OptionalText, (m, v) => m with { BearerTokenFile = (string?)v }),
        MetricsTls("enabled", ValueParsers.Boolean, (t, v) => t with { Enabled = (bool)v! }),
        MetricsTls("cert_file", ValueParsers.OptionalText, (t, v) => t with { CertFile = (string?)v }),
        MetricsTls("key_file", ValueParsers.OptionalText, (t, v) => t with { KeyFile = (string?)v }),
        Master("store", ValueParsers.StoreUrl, (m, v) => m with { Store = (string)v! }),
        Master("store_password", ValueParsers.OptionalText, (m, v) => m with { StorePassword = (string?)v }, isSensitive: true),
        Master("lease_ttl_ms", ValueParsers.Int32(1), (m, v) => m with { LeaseTtlMs = (int)v! }),
    ];

    private static readonly Dictionary<string, ConfigKey> ByPath = Keys.ToDictionary(k => k.Path, StringComparer.Ordinal);

    public static ConfigKey? Find(string path) => ByPath.GetValueOrDefault(path);

    public static bool IsSection(string path) => Sections.Contains(path);

    /// <summary>Names (last segment) of the keys and sections directly inside <paramref name="section"/> ("" for the root).</summary>
    public static IEnumerable<string> ChildNames(string section)
    {
        var prefix = section.Length == 0 ? "" : section + ".";
        return Sections.Concat(Keys.Select(k => k.Path))
            .Where(p => p.StartsWith(prefix, StringComparison.Ordinal) && p.IndexOf('.', prefix.Length) < 0)
            .Select(p => p[prefix.Length..]);
    }

    private static ConfigKey Network(string name, Func<RawValue, ParseOutcome> parse, Func<NetworkConfig, object?, NetworkConfig> set, bool acceptsList = false) =>
        new("network." + name, parse, (c, v) => c with { Network = set(c.Network, v) }, acceptsList: acceptsList);

    private static ConfigKey Tls(string name, Func<RawValue, ParseOutcome> parse, Func<TlsConfig, object?, TlsConfig> set) =>
        new("network.tls." + name, parse, (c, v) => c with { Network = c.Network with { Tls = set(c.Network.Tls, v) } });

    private static ConfigKey Auth(
        string name, Func<RawValue, ParseOutcome> parse, Func<AuthConfig, object?, AuthConfig> set, bool isSensitive = false, bool acceptsList = false) =>
        new("auth." + name, parse, (c, v) => c with { Auth = set(c.Auth, v) }, isSensitive, acceptsList);

    private static ConfigKey FaultTolerance(string name, Func<RawValue, ParseOutcome> parse, Func<FaultToleranceConfig, object?, FaultToleranceConfig> set) =>
        new("fault_tolerance." + name, parse, (c, v) => c with { FaultTolerance = set(c.FaultTolerance, v) });

    private static ConfigKey Performance(string name, Func<RawValue, ParseOutcome> parse, Func<PerformanceConfig, object?, PerformanceConfig> set) =>
        new("performance." + name, parse, (c, v) => c with { Performance = set(c.Performance, v) });

    private static ConfigKey Logging(string name, Func<RawValue, ParseOutcome> parse, Func<LoggingConfig, object?, LoggingConfig> set) =>
        new("logging." + name, parse, (c, v) => c with { Logging = set(c.Logging, v) });

    private static ConfigKey Metrics(
        string name, Func<RawValue, ParseOutcome> parse, Func<MetricsConfig, object?, MetricsConfig> set, bool isSensitive = false) =>
        new("metrics." + name, parse, (c, v) => c with { Metrics = set(c.Metrics, v) }, isSensitive);

    private static ConfigKey MetricsTls(string name, Func<RawValue, ParseOutcome> parse, Func<MetricsTlsConfig, object?, MetricsTlsConfig> set) =>
        new("metrics.tls." + name, parse, (c, v) => c with { Metrics = c.Metrics with { Tls = set(c.Metrics.Tls, v) } });

    private static ConfigKey Master(string name, Func<RawValue, ParseOutcome> parse, Func<MasterConfig, object?, MasterConfig> set, bool isSensitive = false) =>
        new("master." + name, parse, (c, v) => c with { Master = set(c.Master, v) }, isSensitive);
}
