using System.Security.Cryptography;
using Pccl.Transport.Heartbeats;

namespace Pccl.Transport.Security;

/// <summary>
/// Appends and checks a 16-byte MAC (HMAC-SHA256, truncated) on heartbeat datagrams. Allocation-free and safe to
/// share between threads. The key is derived from the shared secret so heartbeats and the connection handshake
/// never use the same key.
/// </summary>
internal sealed class HeartbeatAuthenticator : IHeartbeatMac
{
    /// <summary>Bytes of MAC appended to each datagram.</summary>
    internal const int MacSize = 16;

    private static ReadOnlySpan<byte> KeyLabel => "pccl heartbeat mac v1"u8;

    private readonly byte[] _key;

    /// <summary>Derives the heartbeat key from the shared secret.</summary>
    internal HeartbeatAuthenticator(ReadOnlySpan<byte> secret)
    {
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The shared secret is empty.", nameof(secret));
        }

        _key = HMACSHA256.HashData(secret, KeyLabel);
    }

    /// <summary>
    /// Writes the MAC of <c>datagram[..payloadLength]</c> right after it and returns the length to send.
    /// <paramref name="datagram"/> needs <see cref="MacSize"/> spare bytes.
    /// </summary>
    public int Seal(Span<byte> datagram, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, datagram.Length - MacSize);
        ComputeMac(datagram[..payloadLength], datagram.Slice(payloadLength, MacSize));
        return payloadLength + MacSize;
    }

    /// <summary>
    /// Checks the MAC at the end of a received datagram in constant time; on success <paramref name="payloadLength"/>
    /// is the length of the authenticated payload before it.
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> datagram, out int payloadLength)
    {
        payloadLength = datagram.Length - MacSize;
        if (payloadLength < 0)
        {
            payloadLength = 0;
            return false;
        }

        Span<byte> expected = stackalloc byte[MacSize];
        ComputeMac(datagram[..payloadLength], expected);
        if (CryptographicOperations.FixedTimeEquals(expected, datagram[payloadLength..]))
        {
            return true;
        }

        payloadLength = 0;
        return false;
    }

    private void ComputeMac(ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, payload, full);
        full[..MacSize].CopyTo(mac);
    }
}
