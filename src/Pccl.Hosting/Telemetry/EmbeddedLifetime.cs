using Microsoft.Extensions.Hosting;

namespace Pccl.Hosting.Telemetry;

/// <summary>
/// The monitoring server's host lifetime: none of its own. The default console lifetime claims SIGTERM and Ctrl+C
/// (it cancels the signal and stops only the web host), so a process serving metrics would no longer stop on
/// SIGTERM; the process that embeds the server owns its signals and stops the server itself.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
