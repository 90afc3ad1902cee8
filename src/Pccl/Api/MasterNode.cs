using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Master.Server;
using Pccl.Master.Store;
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

    /// <summary>Whether this master holds the leader lease and serves peers; a standby refuses them, naming the leader.</summary>
    public bool IsLeader => _server.Epoch != 0;

    /// <summary>The leadership epoch this master serves; 0 while it stands by.</summary>
    public ulong Epoch => _server.Epoch;

    /// <summary>The leader's control address (host:port): this master's own while it leads; empty when no master leads.</summary>
    public string LeaderAddress => _server.LeaderAddress;

    /// <summary>The <c>pccl.instance</c> tag of this master's meter.</summary>
    internal long TelemetryInstance => _server.TelemetryInstance;

    /// <summary>
    /// Opens the master store (creating or migrating its schema), competes once for the leader lease, starts listening
    /// and returns: as the leader, or as a standby that refuses peers and names the leader. A store that cannot be
    /// opened or a bad lease TTL is an error here, and nothing is started.
    /// </summary>
    public static async Task<MasterNode> StartAsync(MasterOptions options, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ct.ThrowIfCancellationRequested();
        if (options.LeaseTtl <= options.HeartbeatInterval)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"master.lease_ttl_ms ({options.LeaseTtl.TotalMilliseconds:0}) must be above network.heartbeat_interval_ms " +
                $"({options.HeartbeatInterval.TotalMilliseconds:0}); see docs/high-availability.md for choosing it");
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Pccl.Master");
        var store = MasterStoreUrl.Create(options.Store, options.StorePassword, options.LeaseTtl);
        ConnectionSecurity? security = null;
        try
        {
            await store.OpenAsync(ct).ConfigureAwait(false);
            // Loads and checks certificate files and the secret now: a bad one is a startup error naming it.
            security = SecurityFactory.Create(options.Tls, options.Auth);
            var server = new MasterServer(options, security, store, logger);
            await server.StartAsync(ct).ConfigureAwait(false);
            return new MasterNode(server);
        }
        catch
        {
            security?.Dispose();
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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
