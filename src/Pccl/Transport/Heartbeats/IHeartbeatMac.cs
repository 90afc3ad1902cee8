namespace Pccl.Transport.Heartbeats;

/// <summary>
/// Authenticates the heartbeat datagrams of one session: a 16-byte MAC over the header, stored right after it, with
/// authentication on and off. The shapes match <c>Pccl.Transport.Security.HeartbeatAuthenticator</c>.
/// </summary>
internal interface IHeartbeatMac
{
    /// <summary>Writes the MAC of <c>datagram[..payloadLength]</c> right after it and returns the length to send.</summary>
    int Seal(Span<byte> datagram, int payloadLength);

    /// <summary>Checks the MAC at the end of <paramref name="datagram"/> in constant time.</summary>
    bool TryOpen(ReadOnlySpan<byte> datagram, out int payloadLength);
}
