using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Master.Server;
using Pccl.Transport;

namespace Pccl;

/// <summary>
/// A PCCL master embedded in this process (as PCCL's pcclCreateMaster). It tracks membership and orchestrates every
/// transition; it carries no tensor data. Dispose to stop it.
/// </summary>
public sealed class MasterNode : IAsyncDisposable
{
    private readonly MasterServer _server;

    private MasterNode(MasterServer server)
    {
        _server = server;
        Diagnostics = new MasterDiagnostics(server);
    }

    /// <summary>The TCP (control) port the master listens on; useful when <see cref="MasterOptions.Port"/> is 0.</summary>
    public int Port => _server.Port;

    /// <summary>The <c>pccl.instance</c> tag of this master's meter.</summary>
    internal long TelemetryInstance => _server.TelemetryInstance;

    /// <summary>Starts listening and returns at once.</summary>
    public static Task<MasterNode> StartAsync(MasterOptions options, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ct.ThrowIfCancellationRequested();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Pccl.Master");
        // Loads and checks certificate files and the secret now: a bad one is a startup error naming it.
        var security = SecurityFactory.Create(options.Tls, options.Auth);
        var server = new MasterServer(options, security, logger);
        try
        {
            server.Start();
        }
        catch
        {
            security.Dispose();
            throw;
        }

        return Task.FromResult(new MasterNode(server));
    }

    /// <summary>
    /// A consistent snapshot of membership, rings, revisions and recent operations (for <c>/status</c>), taken on the
    /// master's event loop.
    /// </summary>
    internal Task<MasterStatus> GetStatusAsync(CancellationToken ct) => _server.SnapshotAsync(ct);

    /// <summary>Readings and switches the status does not show (dropped heartbeats and handshakes, a hang), for tests.</summary>
    internal MasterDiagnostics Diagnostics { get; }

    /// <summary>Tells every peer the master is going away and stops.</summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
