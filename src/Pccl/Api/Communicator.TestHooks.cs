namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>Connections this peer's p2p listener closed unheard because too many handshakes were pending; for tests.</summary>
    internal long DroppedP2PHandshakesForTest => _listener?.DroppedHandshakesForTest ?? 0;
}
