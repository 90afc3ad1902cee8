using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport.Heartbeats;

namespace Pccl;

public sealed partial class Communicator
{
    private IPEndPoint? _masterEndpoint;
    private HeartbeatSender? _heartbeats;
    private (ulong Token, IHeartbeatMac Mac)? _heartbeatSession; // read by Diagnostics

    /// <summary>
    /// Smoothed round-trip time of heartbeats to the master (exponential average, gain 1/8); null until the first
    /// answer arrives.
    /// </summary>
    public TimeSpan? HeartbeatRtt => _heartbeats?.Rtt.Smoothed;

    /// <summary>Round-trip time of the latest answered heartbeat; null until the first answer arrives.</summary>
    public TimeSpan? LastHeartbeatRtt => _heartbeats?.Rtt.Last;

    /// <summary>
    /// Heartbeats go to the master's address as this peer reached it over TCP, on the same port number (UDP), sealed
    /// with the key of the session <paramref name="registered"/> opened.
    /// </summary>
    private void StartHeartbeats(Registered registered)
    {
        if (_masterEndpoint is not { } master || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (registered.HeartbeatKey.Length != HeartbeatCredentials.KeySize)
        {
            Fatal(new PcclException(PcclErrorCode.ProtocolViolation,
                $"the master's registration answer carries a heartbeat key of {registered.HeartbeatKey.Length} bytes, not {HeartbeatCredentials.KeySize}; " +
                "the master runs another PCCL release: run the same release on the master and every peer", isTransient: false));
            return;
        }

        var credentials = new HeartbeatCredentials(registered.HeartbeatToken, registered.HeartbeatKey);
        var session = new HeartbeatSession(PeerId, credentials.Token, _options.HeartbeatInterval, _options.HeartbeatTimeout);
        var mac = _security.HeartbeatMacFor(PeerId, credentials);
        _heartbeatSession = (credentials.Token, mac);
        try
        {
            _heartbeats = HeartbeatSender.Start(master, session, mac, OnMasterSilent, _telemetry.RecordHeartbeatRtt);
        }
        catch (SocketException e)
        {
            Fatal(new PcclException(PcclErrorCode.InvalidConfiguration,
                $"could not open a UDP socket for heartbeats to {master}: {e.Message}; this process must be allowed to use UDP", false, e));
        }
    }

    /// <summary>Runs on the heartbeat thread: a hung or unreachable master fails every pending call at once.</summary>
    private void OnMasterSilent(TimeSpan silence)
    {
        var limit = _options.HeartbeatTimeout.TotalMilliseconds;
        var reason = new PcclException(PcclErrorCode.MasterLost,
            $"master lost: no heartbeat answer for {silence.TotalMilliseconds:0} ms (limit {limit:0} ms); the master hung, " +
            $"is unreachable, or UDP port {_masterEndpoint?.Port} is blocked: check the master and the firewall, or raise network.heartbeat_timeout_ms",
            isTransient: true);
        if (Volatile.Read(ref _disposed) == 0 && _fatal is null)
        {
            _logger.MasterSilent(reason.Message);
        }

        Fatal(reason);
    }

    /// <summary>Stops sending heartbeats and watching for answers, as a frozen process would; for tests.</summary>
    internal void PauseHeartbeatsForTest() => _heartbeats?.PauseForTest();
}
