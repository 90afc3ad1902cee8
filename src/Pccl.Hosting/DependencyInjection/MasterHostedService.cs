using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pccl.Hosting.DependencyInjection;

/// <summary>
/// Starts the master with the host (a port in use or a bad certificate fails the host's start, naming it) and stops
/// it with the host: the master tells every peer it is going away.
/// </summary>
internal sealed class MasterHostedService(PcclMaster master, ILoggerFactory loggerFactory) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Pccl.Hosting");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var node = await MasterNode.StartAsync(master.Options, loggerFactory, cancellationToken).ConfigureAwait(false);
        master.Started(node);
        HostingLog.MasterHosted(_logger, node.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (master.Stopped() is { } node)
        {
            HostingLog.MasterStopping(_logger, node.Port);
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
