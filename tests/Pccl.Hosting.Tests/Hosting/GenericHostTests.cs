using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pccl.Hosting.DependencyInjection;
using Pccl.Hosting.HealthChecks;
using Pccl.Hosting.Tests.Support;
using Pccl.IntegrationTests.Support;

namespace Pccl.Hosting.Tests.Hosting;

/// <summary>
/// A master and two peers, each in its own generic host configured the appsettings.json way: they form a world, the
/// health checks follow admission, the peers all-reduce, and stopping a peer's host makes it leave the run gracefully.
/// </summary>
[Collection(InProcessPcclCollection.Name)]
public class GenericHostTests
{
    private const int PeerJoinedEvent = 1001;
    private const int PeerLeftEvent = 1002;
    private const int PeerKickedEvent = 1003;
    private const int PeerRegisteredEvent = 1004;
    private const int AcceptedEvent = 1005;
    private const int LeavingEvent = 1583;

    [Fact]
    public async Task HostsFormAWorldAllReduceReportHealthAndLeaveGracefully()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Tcp();
        var settings = new Dictionary<string, string?>
        {
            ["Pccl:network:master_host"] = "127.0.0.1",
            ["Pccl:network:master_port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Pccl:network:bind_address"] = "127.0.0.1",
            // generous on a loaded 2-core machine: admission and leaving are under test, not heartbeat timing
            ["Pccl:network:heartbeat_timeout_ms"] = "5000",
        };

        var (masterHost, masterLog) = Build(settings, (services, pccl) => services.AddPcclMaster(pccl));
        using var _ = masterHost;
        await masterHost.StartAsync(ct);
        Assert.Equal(port, masterHost.Services.GetRequiredService<PcclMaster>().Port);
        Assert.Equal(HealthStatus.Healthy, (await Health(masterHost, PcclHealthChecks.ReadyTag)).Status);

        var peerSettings = new Dictionary<string, string?>(settings) { ["Pccl:network:p2p_port_range"] = FreePort.P2PRange() };
        var (first, firstLog) = Build(peerSettings, (services, pccl) => services.AddPcclCommunicator(pccl));
        var (second, secondLog) = Build(peerSettings, (services, pccl) => services.AddPcclCommunicator(pccl));
        using var firstHost = first;
        using var secondHost = second;
        var hostFactory = first.Services.GetRequiredService<IMeterFactory>();
        var fromHostFactory = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, hostFactory))
                {
                    fromHostFactory[instrument.Name] = instrument.Meter.Name;
                }
            },
        };
        listener.Start();

        await first.StartAsync(ct);
        var a = await first.Services.GetRequiredService<PcclPeer>().WhenAcceptedAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(HealthStatus.Healthy, (await Health(first, PcclHealthChecks.ReadyTag)).Status);

        await second.StartAsync(ct);
        await Eventually(() => masterLog.Messages(PeerRegisteredEvent).Count >= 2, "the master registers the second peer", ct);
        var waiting = await Health(second, PcclHealthChecks.ReadyTag);
        Assert.Equal(HealthStatus.Unhealthy, waiting.Status);
        Assert.Contains("not accepted", waiting.Entries[PcclHealthChecks.PeerReady].Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await Health(second, PcclHealthChecks.LiveTag)).Status);

        Assert.True(await a.ArePeersPendingAsync(ct));
        await a.UpdateTopologyAsync(ct);
        var b = await second.Services.GetRequiredService<PcclPeer>().WhenAcceptedAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(HealthStatus.Healthy, (await Health(second, PcclHealthChecks.ReadyTag)).Status);
        Assert.Equal(2, a.GlobalWorldSize);
        Assert.Equal(2, b.GlobalWorldSize);

        float[] x = [1, 2, 3, 4];
        float[] y = [10, 20, 30, 40];
        var reduces = await Task.WhenAll(a.AllReduceAsync(x.AsMemory(), ct: ct), b.AllReduceAsync(y.AsMemory(), ct: ct));
        Assert.Equal(new[] { 11f, 22f, 33f, 44f }, x);
        Assert.Equal(new[] { 11f, 22f, 33f, 44f }, y);
        Assert.All(reduces, r => Assert.Equal(2, r.WorldSize));

        // the peers log through their hosts' logging, and report metrics through their hosts' meter factory
        Assert.NotEmpty(firstLog.Messages(AcceptedEvent));
        Assert.NotEmpty(secondLog.Messages(AcceptedEvent));
        Assert.Equal(PcclTelemetry.MeterName, fromHostFactory.GetValueOrDefault("pccl.collective.latency"));

        await second.StopAsync(ct);
        await first.StopAsync(ct);
        Assert.Single(secondLog.Messages(LeavingEvent));
        Assert.Single(firstLog.Messages(LeavingEvent));
        Assert.Equal(HealthStatus.Unhealthy, (await Health(first, PcclHealthChecks.ReadyTag)).Status);
        await Eventually(() => masterLog.Messages(PeerLeftEvent).Count >= 2, "the master sees both peers leave", ct);
        Assert.Empty(masterLog.Messages(PeerKickedEvent));
        Assert.Equal(2, masterLog.Messages(PeerJoinedEvent).Count);

        await masterHost.StopAsync(ct);
        Assert.Equal(HealthStatus.Unhealthy, (await Health(masterHost, PcclHealthChecks.ReadyTag)).Status);
    }

    [Fact]
    public void ABadKeyFailsRegistrationNamingTheConfigurationKeyAndTheFix()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pccl:network:master_prot"] = "7117", ["Pccl:network:heartbeat_timeout_ms"] = "soon" })
            .Build();
        var error = Assert.Throws<Pccl.Hosting.Configuration.ConfigException>(
            () => new ServiceCollection().AddPcclCommunicator(configuration.GetSection("Pccl")));
        Assert.Contains("configuration key 'Pccl:network:master_prot'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'network.master_port'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pccl:network:heartbeat_timeout_ms", error.Message, StringComparison.Ordinal);
        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
    }

    [Fact]
    public void TheYamlFileIsAConfigurationSourceWithTheKeysOfTheFile()
    {
        using var dir = new Pccl.Tests.Support.TempDirectory();
        var file = Path.Combine(dir.Path, "pccl_config.yaml");
        File.WriteAllText(file, "network:\n  master_host: 10.1.2.3\n  master_port: 7300\n  peer_group: 4\nauth:\n  allowed_networks: [10.0.0.0/8, 127.0.0.1/32]\n");
        var configuration = new ConfigurationBuilder()
            .AddPcclYamlFile(file)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pccl:network:master_port"] = "7400" })
            .Build();

        var services = new ServiceCollection().AddPcclCommunicator(configuration.GetSection("Pccl"));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<PcclPeer>().Options;
        Assert.Equal("10.1.2.3", options.MasterHost);
        Assert.Equal(7400, options.MasterPort); // a later source overrides the file key by key
        Assert.Equal(4u, options.PeerGroup);
        Assert.Equal(2, options.Auth.AllowedNetworks.Count);
    }

    private static (IHost Host, CapturingLoggerProvider Log) Build(
        Dictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> register)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        var log = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(log).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddMetrics();
        register(builder.Services, builder.Configuration.GetSection("Pccl"));
        return (builder.Build(), log);
    }

    private static Task<HealthReport> Health(IHost host, string tag) =>
        host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains(tag));

    private static async Task Eventually(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50, ct);
        }
    }
}
