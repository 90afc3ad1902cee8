using Microsoft.Extensions.Logging;
using Pccl.Telemetry;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Server.Preflight;

/// <summary>
/// Serves <c>pccl preflight</c> connections (hello kind preflight, past the same handshake, authentication and TLS as a
/// member's): probe sessions answered on the heartbeat port, one dial-back to the host's p2p port, one upload from the
/// host and one bulk transfer to it.
/// A preflighting host never becomes a member and the core never hears of it.
/// </summary>
/// <remarks>
/// What it may cost the master is bounded: <see cref="MaxSessions"/> at once (more are refused), each at most
/// <see cref="SessionLifetime"/>, one probe session, one dial-back, one upload (read in frames of at most 64 KiB) and
/// one bulk transfer (written from one shared zero buffer) of at most <see cref="MaxBulkBytes"/> each.
/// </remarks>
internal sealed class PreflightService(HeartbeatMonitor heartbeats, ConnectionSecurity security, ILogger logger)
{
    /// <summary>Preflight sessions served at once.</summary>
    public const int MaxSessions = 4;

    /// <summary>Largest bulk transfer, in bytes.</summary>
    public const long MaxBulkBytes = 64L * 1024 * 1024;

    /// <summary>How long one session may hold the master's attention.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Probe sessions live in the heartbeat monitor beside the members' sessions; their ids have the top bit set, which
    /// the core's counting ids never reach, and their connection ids are negative, which no connection has.
    /// </summary>
    private const ulong ProbeIdBit = 1UL << 63;

    private int _active;
    private long _sessions;

    /// <summary>Serves the connection in the background until the client is done, a limit is hit or <paramref name="ct"/> fires.</summary>
    public void Serve(EstablishedConnection connection, CancellationToken ct) => _ = Task.Run(() => ServeAsync(connection, ct), CancellationToken.None);

    private async Task ServeAsync(EstablishedConnection connection, CancellationToken ct)
    {
        var number = Interlocked.Increment(ref _sessions);
        var session = new PreflightSession(connection, heartbeats, security, ProbeIdBit | (ulong)number, -number);
        var admitted = Interlocked.Increment(ref _active) <= MaxSessions;
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(ct);
        lifetime.CancelAfter(SessionLifetime);
        try
        {
            if (admitted)
            {
                logger.PreflightServed(connection.Remote);
                await session.RunAsync(lifetime.Token).ConfigureAwait(false);
            }
            else
            {
                await session.RefuseAsync($"the master serves at most {MaxSessions} preflight checks at once; retry in a few seconds", lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or Protocol.Codec.ProtocolException
                                      or System.Net.Sockets.SocketException)
        {
            // the client left, broke the protocol or overstayed; its session ends either way
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
