using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pccl.Hosting.DependencyInjection;

/// <summary>
/// Joins the run when the host starts, without holding up the host's start: a peer waits for the others' vote, and
/// the host's other services (the training loop, health endpoints) run meanwhile. While the master cannot be reached
/// (a transient failure) it tries again; a permanent failure (configuration, authentication) ends in
/// <see cref="PcclPeer.Failure"/>. On stop it leaves the run gracefully: the master hears the peer go.
/// </summary>
internal sealed class PeerHostedService(PcclPeer peer, ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggerFactory.CreateLogger("Pccl.Hosting");
    private readonly CancellationTokenSource _stopping = new();
    private Task _joining = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _joining = JoinAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _joining.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (peer.Communicator is { } communicator)
        {
            HostingLog.Leaving(_logger, communicator.PeerId);
            await communicator.DisposeAsync().ConfigureAwait(false);
        }

        peer.Leave();
    }

    public void Dispose() => _stopping.Dispose();

    private async Task JoinAsync(CancellationToken ct)
    {
        HostingLog.Joining(_logger, peer.Options.MasterHost, peer.Options.MasterPort);
        for (var attempt = 1; !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                peer.Accept(await Communicator.ConnectAsync(peer.Options, loggerFactory, ct).ConfigureAwait(false));
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (PcclException e) when (e.IsTransient)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, 200.0 * attempt));
                HostingLog.JoinRetry(_logger, attempt, e.Message, (long)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception e)
            {
                HostingLog.JoinFailed(_logger, e.Message);
                peer.Fail(e);
                return;
            }
        }
    }
}
