namespace Pccl.Transport.Heartbeats;

/// <summary>
/// Authenticates heartbeat datagrams: a 16-byte MAC over the header, stored right after it. With authentication off
/// no MAC is used and the field stays zero. The shapes match <c>Pccl.Transport.Security.HeartbeatAuthenticator</c>.
/// </summary>
internal interface IHeartbeatMac
{
    /// <summary>Writes the MAC of <c>datagram[..payloadLength]</c> right after it and returns the length to send.</summary>
    int Seal(Span<byte> datagram, int payloadLength);

    /// <summary>Checks the MAC at the end of <paramref name="datagram"/> in constant time.</summary>
    bool TryOpen(ReadOnlySpan<byte> datagram, out int payloadLength);
}
