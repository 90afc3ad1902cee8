namespace Pccl.Hosting.Configuration;

/// <summary>
/// Rules that involve more than one key, checked on the merged result. A problem is reported at the
/// origin of the value the user set, so a default is never blamed for an explicit setting.
/// </summary>
internal static class ConfigRules
{
    private static readonly int MasterRegionLimit = Pccl.Master.Core.MasterLimits.Default.MaxRegionLength;

    public static void Check(PcclConfig config, IReadOnlyDictionary<string, ConfigOrigin> origins, ConfigProblems problems)
    {
        ConfigOrigin OriginOf(string key) => origins.GetValueOrDefault(key, ConfigOrigin.Default);

        var network = config.Network;
        if (network.HeartbeatTimeoutMs <= network.HeartbeatIntervalMs
            && !problems.HasProblemWith("network.heartbeat_timeout_ms") && !problems.HasProblemWith("network.heartbeat_interval_ms"))
        {
            if (OriginOf("network.heartbeat_timeout_ms").IsDefault)
            {
                problems.AddForKey(OriginOf("network.heartbeat_interval_ms"), "network.heartbeat_interval_ms",
                    $"must be below heartbeat_timeout_ms ({network.HeartbeatTimeoutMs})");
            }
            else
            {
                problems.AddForKey(OriginOf("network.heartbeat_timeout_ms"), "network.heartbeat_timeout_ms",
                    $"must exceed heartbeat_interval_ms ({network.HeartbeatIntervalMs})");
            }
        }

        if (config.Master.LeaseTtlMs <= network.HeartbeatIntervalMs
            && !problems.HasProblemWith("master.lease_ttl_ms") && !problems.HasProblemWith("network.heartbeat_interval_ms"))
        {
            if (OriginOf("master.lease_ttl_ms").IsDefault)
            {
                problems.AddForKey(OriginOf("network.heartbeat_interval_ms"), "network.heartbeat_interval_ms",
                    $"must be below master.lease_ttl_ms ({config.Master.LeaseTtlMs}); raise master.lease_ttl_ms (see docs/high-availability.md)");
            }
            else
            {
                problems.AddForKey(OriginOf("master.lease_ttl_ms"), "master.lease_ttl_ms",
                    $"must exceed network.heartbeat_interval_ms ({network.HeartbeatIntervalMs}); see docs/high-availability.md");
            }
        }

        if (network.Region.Length > MasterRegionLimit && !problems.HasProblemWith("network.region"))
        {
            problems.AddForKey(OriginOf("network.region"), "network.region",
                $"is {network.Region.Length} characters long; the master accepts region labels of at most {MasterRegionLimit}");
        }

        if (network.Region.Length > 0 && network.Region.Split('/').Any(level => level.Length == 0) && !problems.HasProblemWith("network.region"))
        {
            problems.AddForKey(OriginOf("network.region"), "network.region",
                $"'{network.Region}' has an empty level: write levels separated by single '/' (e.g. eu/fra/rack1), with none at either end");
        }

        if (network.Tls.Enabled)
        {
            RequireWhenEnabled(network.Tls.CertFile, "network.tls.cert_file", "network.tls.enabled", OriginOf, problems);
            RequireWhenEnabled(network.Tls.KeyFile, "network.tls.key_file", "network.tls.enabled", OriginOf, problems);
        }

        if (config.Auth.Enabled)
        {
            RequireWhenEnabled(config.Auth.Secret, "auth.secret", "auth.enabled", OriginOf, problems);
        }

        if (config.Metrics.Tls.Enabled)
        {
            RequireWhenEnabled(config.Metrics.Tls.CertFile, "metrics.tls.cert_file", "metrics.tls.enabled", OriginOf, problems);
            RequireWhenEnabled(config.Metrics.Tls.KeyFile, "metrics.tls.key_file", "metrics.tls.enabled", OriginOf, problems);
        }

        if (config.Metrics.BearerToken is not null && config.Metrics.BearerTokenFile is not null)
        {
            problems.AddForKey(OriginOf("metrics.bearer_token_file"), "metrics.bearer_token_file",
                "metrics.bearer_token is set too; give the token one way only");
        }

        if (config.Metrics.Enabled && (config.Metrics.Port ?? MetricsConfig.MasterDefaultPort) == network.MasterPort)
        {
            var blamed = OriginOf("metrics.port").IsDefault ? "network.master_port" : "metrics.port";
            problems.AddForKey(OriginOf(blamed), blamed,
                $"metrics.port and network.master_port are both {network.MasterPort}; the metrics endpoint needs its own port");
        }
    }

    private static void RequireWhenEnabled(
        string? value, string key, string switchKey, Func<string, ConfigOrigin> originOf, ConfigProblems problems)
    {
        if (string.IsNullOrEmpty(value) && !problems.HasProblemWith(key))
        {
            var origin = originOf(key).IsDefault ? originOf(switchKey) : originOf(key);
            problems.AddForKey(origin, key, $"must be set when {switchKey} is true");
        }
    }
}
