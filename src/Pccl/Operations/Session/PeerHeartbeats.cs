using System.Net;
using Microsoft.Extensions.Logging;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport.Heartbeats;

namespace Pccl.Operations.Session;

/// <summary>
/// A peer's heartbeats to the master: started by the master's registration answer, they measure the round trip and
/// make a hung or unreachable master fatal for the session.
/// </summary>
internal sealed class PeerHeartbeats(PeerSession session) : IDisposable
{
    private HeartbeatSender? _sender;

    /// <summary>The master as this peer reached it over TCP; heartbeats go to the same address and port number (UDP).</summary>
    public IPEndPoint? MasterEndpoint { get; set; }

    public HeartbeatSender? Sender => _sender;

    /// <summary>This session's heartbeat token and MAC, once registered.</summary>
    public (ulong Token, IHeartbeatMac Mac)? Credentials { get; private set; }

    /// <summary>Heartbeats are sealed with the key of the session <paramref name="registered"/> opened.</summary>
    public void Start(Registered registered)
    {
        if (MasterEndpoint is not { } master || session.IsDisposed)
        {
            return;
        }

        if (registered.HeartbeatKey.Length != HeartbeatCredentials.KeySize)
        {
            session.Fatal(new PcclException(PcclErrorCode.ProtocolViolation,
                $"the master's registration answer carries a heartbeat key of {registered.HeartbeatKey.Length} bytes, not {HeartbeatCredentials.KeySize}; " +
                "the master runs another PCCL release: run the same release on the master and every peer", isTransient: false));
            return;
        }

        var options = session.Options;
        var credentials = new HeartbeatCredentials(registered.HeartbeatToken, registered.HeartbeatKey);
        var heartbeat = new HeartbeatSession(session.PeerId, credentials.Token, options.HeartbeatInterval, options.HeartbeatTimeout);
        var mac = session.Security.HeartbeatMacFor(session.PeerId, credentials);
        Credentials = (credentials.Token, mac);
        try
        {
            _sender = HeartbeatSender.Start(master, heartbeat, mac, OnMasterSilent, session.Telemetry.RecordHeartbeatRtt);
        }
        catch (PcclException e)
        {
            session.Fatal(e);
        }
    }

    /// <summary>Stops sending heartbeats and watching for answers, as a frozen process would.</summary>
    public void Pause() => _sender?.Pause();

    public void Stop() => _sender?.Stop();

    public void Dispose() => _sender?.Dispose();

    /// <summary>Runs on the heartbeat thread: a hung or unreachable master fails every pending call at once.</summary>
    private void OnMasterSilent(TimeSpan silence)
    {
        var limit = session.Options.HeartbeatTimeout.TotalMilliseconds;
        var reason = new PcclException(PcclErrorCode.MasterLost,
            $"master lost: no heartbeat answer for {silence.TotalMilliseconds:0} ms (limit {limit:0} ms); the master hung, " +
            $"is unreachable, or UDP port {MasterEndpoint?.Port} is blocked: check the master and the firewall, or raise network.heartbeat_timeout_ms",
            isTransient: true);
        if (!session.IsDisposed && session.FatalReason is null)
        {
            session.Logger.MasterSilent(reason.Message);
        }

        session.Fatal(reason);
    }
}
