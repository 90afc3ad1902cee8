using System.Security.Cryptography;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Heartbeats;

/// <summary>A stand-in authenticator (HMAC-SHA256 truncated to 16 bytes) to exercise the MAC field.</summary>
internal sealed class TestMac(byte[] key) : IHeartbeatMac
{
    public int Seal(Span<byte> datagram, int payloadLength)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(key, datagram[..payloadLength], full);
        full[..16].CopyTo(datagram[payloadLength..]);
        return payloadLength + 16;
    }

    public bool TryOpen(ReadOnlySpan<byte> datagram, out int payloadLength)
    {
        payloadLength = datagram.Length - 16;
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(key, datagram[..payloadLength], full);
        return CryptographicOperations.FixedTimeEquals(full[..16], datagram[payloadLength..]);
    }
}
