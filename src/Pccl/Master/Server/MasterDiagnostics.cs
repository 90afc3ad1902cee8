using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Server;

/// <summary>
/// Live readings and switches of one master that its status document does not show, for tests that attack it or
/// freeze it: dropped heartbeats and handshakes, refused registrations, and a hang that keeps the process up.
/// </summary>
internal sealed class MasterDiagnostics(MasterServer server)
{
    /// <summary>Heartbeat datagrams dropped so far, by reason; null until the heartbeat monitor runs.</summary>
    public HeartbeatDropCounts? HeartbeatDrops => server.HeartbeatDrops;

    /// <summary>Connections closed unheard because too many handshakes were pending.</summary>
    public long DroppedHandshakes => server.DroppedHandshakes;

    /// <summary>Connections the core holds that have not registered yet (read between its events).</summary>
    public int Unregistered => server.UnregisteredConnections;

    /// <summary>Connections turned away before registering (as the core counts them; read between its events).</summary>
    public long RefusedUnregistered => server.RefusedUnregistered;

    /// <summary>Keeps the master's process and connections up but has it answer nothing more, as a hung master would.</summary>
    public void Hang() => server.Hang();
}
