using System.Net;
using System.Net.Sockets;
using Pccl.Cli.Processes;
using Pccl.Tests.Support;

namespace Pccl.Tests.Master.Store;

/// <summary>A master store or lease setting that cannot work is an error at start naming the key, and nothing is started.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MasterStartupTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("mysql://db/pccl", "unknown kind of store")]
    [InlineData("sqlite:", "the path after sqlite: is empty")]
    [InlineData("postgresql://db:5432/pccl", "name the user")]
    [InlineData("postgresql://pccl@db:5432/", "name one database")]
    public async Task AMalformedStoreIsRefusedNamingTheKey(string store, string problem)
    {
        var e = await Assert.ThrowsAsync<PcclException>(() => StartAsync(MasterOptions.Default with { Store = store }));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, e.Code);
        Assert.Contains("master.store", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public async Task APasswordInAMalformedStoreIsNotShown()
    {
        var e = await Assert.ThrowsAsync<PcclException>(() => StartAsync(MasterOptions.Default with { Store = "postgresql://pccl:hunter2@db:5432/" }));
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public async Task AnUnreachableStoreIsAnErrorAndNothingIsStarted()
    {
        var port = ReservedPorts.Next();
        var e = await Assert.ThrowsAsync<PcclException>(() => StartAsync(MasterOptions.Default with
        {
            Port = port,
            Store = $"postgresql://postgres@127.0.0.1:{ReservedPorts.Next()}/pccl",
        }));
        Assert.Contains("master.store", e.Message);
        Assert.Contains("unreachable", e.Message);
        AssertFree(port);
    }

    [Fact]
    public async Task WrongCredentialsAreAnErrorNamingTheKeyAndTheRightPasswordFromTheOptionsWorks()
    {
        var user = "pccl_auth_" + Guid.NewGuid().ToString("N")[..8];
        await postgres.Server.ExecuteAsync($"CREATE ROLE {user} LOGIN PASSWORD 'right'");
        await postgres.Server.ExecuteAsync($"CREATE DATABASE {user} OWNER {user}");
        var store = $"postgresql://{user}@127.0.0.1:{postgres.Server.Port}/{user}";
        var port = ReservedPorts.Next();

        var e = await Assert.ThrowsAsync<PcclException>(() => StartAsync(MasterOptions.Default with { Port = port, Store = store, StorePassword = "wrong" }));
        Assert.Equal(PcclErrorCode.AuthenticationFailed, e.Code);
        Assert.Contains("master.store", e.Message);
        Assert.Contains("PCCL_MASTER_STORE_PASSWORD", e.Message);
        AssertFree(port);

        await using var master = await StartAsync(MasterOptions.Default with { Store = store, StorePassword = "right" });
        Assert.True(master.IsLeader);
    }

    [Fact]
    public async Task ALeaseTtlNotAboveTheHeartbeatIntervalIsRefusedNamingBothKeys()
    {
        var e = await Assert.ThrowsAsync<PcclException>(() => StartAsync(MasterOptions.Default with
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            LeaseTtl = TimeSpan.FromMilliseconds(200),
        }));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, e.Code);
        Assert.Contains("master.lease_ttl_ms (200)", e.Message);
        Assert.Contains("network.heartbeat_interval_ms", e.Message);
    }

    [Fact]
    public async Task OneMasterRestartedOnItsSqliteStoreLeadsInTheNextEpoch()
    {
        using var files = new TempDirectory();
        var options = MasterOptions.Default with { Store = "sqlite:" + Path.Combine(files.Path, "master.db") };
        await using (var first = await StartAsync(options))
        {
            Assert.Equal(1UL, first.Epoch);
        }

        await using var second = await StartAsync(options);
        Assert.True(second.IsLeader);
        Assert.Equal(2UL, second.Epoch);
    }

    private static Task<MasterNode> StartAsync(MasterOptions options) =>
        MasterNode.StartAsync(options with { BindAddress = "127.0.0.1", Port = options.Port == MasterOptions.Default.Port ? 0 : options.Port }, ct: Ct);

    private static void AssertFree(int port)
    {
        using var probe = new TcpListener(IPAddress.Loopback, port);
        probe.Start(); // throws if the failed master left its listener behind
    }
}
