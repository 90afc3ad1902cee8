using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Pccl;
using Pccl.Hosting.Configuration;
using Pccl.Hosting.DependencyInjection;
using Pccl.Hosting.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers a PCCL communicator or master in a generic host: options from configuration with the keys and meanings of
/// <c>pccl_config.yaml</c>, the lifetime of the host, the host's logging (<see cref="ILoggerFactory"/>) and metrics
/// (<see cref="IMeterFactory"/>), and health checks (<see cref="PcclHealthChecks"/>). Register PCCL before the services
/// that use it: the host stops services in reverse order, so they stop before the peer leaves.
/// </summary>
public static class PcclServiceCollectionExtensions
{
    /// <summary>
    /// Adds a peer (<see cref="PcclPeer"/>) that joins the run when the host starts and leaves it when the host stops.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The section holding the keys of <c>pccl_config.yaml</c> (e.g. <c>Pccl:network:master_host</c> is <c>network:master_host</c> of section <c>Pccl</c>); read now.</param>
    /// <param name="configure">Adjusts the options read, e.g. <c>o => o with { PeerGroup = 1 }</c>.</param>
    /// <exception cref="ConfigException">A key is unknown or a value invalid; the message names each configuration key.</exception>
    public static IServiceCollection AddPcclCommunicator(
        this IServiceCollection services, IConfiguration configuration, Func<CommunicatorOptions, CommunicatorOptions>? configure = null)
    {
        var options = ConfigurationSettings.Load(configuration).ToCommunicatorOptions();
        return services.AddPcclCommunicator(configure is null ? options : configure(options));
    }

    /// <summary>Adds a peer (<see cref="PcclPeer"/>) with these options.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="options">The options; without a <see cref="CommunicatorOptions.MeterFactory"/>, the host's is used.</param>
    /// <exception cref="InvalidOperationException">A peer is registered already: one per host.</exception>
    public static IServiceCollection AddPcclCommunicator(this IServiceCollection services, CommunicatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfRegistered<PcclPeer>(services, nameof(AddPcclCommunicator));
        services.AddSingleton(provider => new PcclPeer(options with { MeterFactory = options.MeterFactory ?? provider.GetService<IMeterFactory>() }));
        services.AddHostedService<PeerHostedService>();
        services.AddHealthChecks()
            .Add(new HealthCheckRegistration(PcclHealthChecks.PeerLive,
                provider => new PeerHealthCheck(provider.GetRequiredService<PcclPeer>(), readiness: false), null, [PcclHealthChecks.LiveTag]))
            .Add(new HealthCheckRegistration(PcclHealthChecks.PeerReady,
                provider => new PeerHealthCheck(provider.GetRequiredService<PcclPeer>(), readiness: true), null, [PcclHealthChecks.ReadyTag]));
        return services;
    }

    /// <summary>Adds a master (<see cref="PcclMaster"/>) that listens from the host's start until its stop.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The section holding the keys of <c>pccl_config.yaml</c>; read now.</param>
    /// <param name="configure">Adjusts the options read, e.g. <c>o => o with { Port = 0 }</c>.</param>
    /// <exception cref="ConfigException">A key is unknown or a value invalid; the message names each configuration key.</exception>
    public static IServiceCollection AddPcclMaster(
        this IServiceCollection services, IConfiguration configuration, Func<MasterOptions, MasterOptions>? configure = null)
    {
        var options = ConfigurationSettings.Load(configuration).ToMasterOptions();
        return services.AddPcclMaster(configure is null ? options : configure(options));
    }

    /// <summary>Adds a master (<see cref="PcclMaster"/>) with these options.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="options">The options; without a <see cref="MasterOptions.MeterFactory"/>, the host's is used.</param>
    /// <exception cref="InvalidOperationException">A master is registered already: one per host.</exception>
    public static IServiceCollection AddPcclMaster(this IServiceCollection services, MasterOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfRegistered<PcclMaster>(services, nameof(AddPcclMaster));
        services.AddSingleton(provider => new PcclMaster(options with { MeterFactory = options.MeterFactory ?? provider.GetService<IMeterFactory>() }));
        services.AddHostedService<MasterHostedService>();
        services.AddHealthChecks().Add(new HealthCheckRegistration(PcclHealthChecks.Master,
            provider => new MasterHealthCheck(provider.GetRequiredService<PcclMaster>()), null, [PcclHealthChecks.LiveTag, PcclHealthChecks.ReadyTag]));
        return services;
    }

    private static void ThrowIfRegistered<T>(IServiceCollection services, string method)
    {
        if (services.Any(d => d.ServiceType == typeof(T)))
        {
            throw new InvalidOperationException($"{method} was called twice: a host runs one {typeof(T).Name}; run another in another host");
        }
    }
}
