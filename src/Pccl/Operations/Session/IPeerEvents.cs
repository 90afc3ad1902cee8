using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Operations.Session;

/// <summary>What a <see cref="PeerSession"/> hands on: the master's messages, the fatal reason, and incoming p2p connections.</summary>
internal interface IPeerEvents
{
    /// <summary>One master message, on the control link's read loop, in order.</summary>
    ValueTask OnMessageAsync(ControlMessage message);

    /// <summary>The session is unusable for <paramref name="reason"/>: everything waiting on the master fails with it.</summary>
    void OnFatal(PcclException reason);

    /// <summary>A p2p connection that passed the handshake and the gatekeeper.</summary>
    ValueTask OnP2PConnectionAsync(EstablishedConnection connection);
}
