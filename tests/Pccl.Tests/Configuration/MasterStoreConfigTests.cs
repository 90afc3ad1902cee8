using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

/// <summary>The <c>master</c> section: store, store password and lease TTL, from the file, the environment and flags.</summary>
public class MasterStoreConfigTests
{
    [Fact]
    public void TheDefaultsGiveAMemoryStoreAndALeaseAboveTheHeartbeatInterval()
    {
        var options = ConfigHarness.Valid("").ToMasterOptions();
        Assert.Equal("memory", options.Store);
        Assert.True(options.LeaseTtl > options.HeartbeatInterval);
    }

    [Fact]
    public void TheFileTheEnvironmentAndTheAdvertisedAddressReachTheMasterOptions()
    {
        const string yaml = """
            network:
              advertise_address: m1.example
            master:
              store: postgresql://pccl@db:5432/pccl
              lease_ttl_ms: 4000
            """;
        var options = ConfigHarness.Valid(yaml, new Dictionary<string, string> { ["PCCL_MASTER_STORE_PASSWORD"] = "s3cret" }).ToMasterOptions();
        Assert.Equal(("postgresql://pccl@db:5432/pccl", "s3cret", TimeSpan.FromSeconds(4), "m1.example"),
            (options.Store, options.StorePassword, options.LeaseTtl, options.AdvertiseAddress));

        var fromEnvironment = ConfigHarness.Valid(yaml, new Dictionary<string, string> { ["PCCL_MASTER_STORE"] = "sqlite:/var/lib/pccl/master.db" });
        Assert.Equal("sqlite:/var/lib/pccl/master.db", fromEnvironment.Master.Store);
    }

    [Theory]
    [InlineData("master:\n  store: mysql://db/pccl", "test.yaml:2:10: key 'master.store': must be memory, sqlite:PATH or postgresql://user[:password]@host[:port]/database, got 'mysql://db/pccl'")]
    [InlineData("master:\n  store: \"sqlite:\"", "test.yaml:2:10: key 'master.store': must be memory, sqlite:PATH or postgresql://user[:password]@host[:port]/database, got 'sqlite:'")]
    [InlineData("network:\n  heartbeat_interval_ms: 100\nmaster:\n  lease_ttl_ms: 100", "test.yaml:4:17: key 'master.lease_ttl_ms': must exceed network.heartbeat_interval_ms (100); see docs/high-availability.md")]
    public void BadValuesNameTheKey(string yaml, string problem) => Assert.Equal(problem, ConfigHarness.OneProblem(yaml));

    [Fact]
    public void AHeartbeatIntervalAboveTheDefaultLeaseBlamesTheIntervalThatWasSet()
    {
        const string yaml = """
            network:
              heartbeat_interval_ms: 1600
              heartbeat_timeout_ms: 8000
            """;
        Assert.Equal(
            "test.yaml:2:26: key 'network.heartbeat_interval_ms': must be below master.lease_ttl_ms (1500); raise master.lease_ttl_ms (see docs/high-availability.md)",
            ConfigHarness.OneProblem(yaml));
    }

    [Fact]
    public void ThePasswordIsSensitive() => Assert.True(ConfigSchema.Find("master.store_password")!.IsSensitive);
}
