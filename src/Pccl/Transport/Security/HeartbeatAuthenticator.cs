using System.Buffers.Binary;
using System.Security.Cryptography;
using Pccl.Transport.Heartbeats;

namespace Pccl.Transport.Security;

/// <summary>
/// Appends and checks a 16-byte MAC (HMAC-SHA256, truncated) on the heartbeat datagrams of one peer's session.
/// Allocation-free and safe to share between threads.
/// </summary>
/// <remarks>
/// <see cref="ForSession"/> derives the session's key with HKDF-SHA256: the key material the master handed the peer at
/// registration, salted with a key derived from the shared secret when <c>auth.enabled</c> (empty otherwise), and
/// bound to the peer id and token. Another peer's heartbeats, an earlier incarnation's, or MACs keyed with the secret
/// itself never pass.
/// </remarks>
internal sealed class HeartbeatAuthenticator : IHeartbeatMac
{
    /// <summary>Bytes of MAC appended to each datagram.</summary>
    internal const int MacSize = 16;

    /// <summary>Bytes of a session key.</summary>
    internal const int KeySize = 32;

    /// <summary>The purpose label of the key derived from the shared secret that salts every session key.</summary>
    internal static ReadOnlySpan<byte> ClusterKeyPurpose => "pccl heartbeat v2"u8;

    private static ReadOnlySpan<byte> SessionLabel => "pccl heartbeat session v2"u8;

    private readonly byte[] _key;

    /// <summary>Uses <paramref name="key"/> (copied) as the HMAC key as it is; sessions get theirs from <see cref="ForSession"/>.</summary>
    internal HeartbeatAuthenticator(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("The heartbeat key is empty.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>
    /// The authenticator of <paramref name="peerId"/>'s session: the master and that peer build the same one from the
    /// registration's <paramref name="credentials"/> and, with <c>auth.enabled</c>, the key derived from the secret for
    /// <see cref="ClusterKeyPurpose"/> (<paramref name="clusterKey"/>; empty with authentication off).
    /// </summary>
    internal static HeartbeatAuthenticator ForSession(ulong peerId, HeartbeatCredentials credentials, ReadOnlySpan<byte> clusterKey)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials.Key.Length != HeartbeatCredentials.KeySize)
        {
            throw new ArgumentException($"Heartbeat key material must be {HeartbeatCredentials.KeySize} bytes, not {credentials.Key.Length}.", nameof(credentials));
        }

        Span<byte> info = stackalloc byte[SessionLabel.Length + (2 * sizeof(ulong))];
        SessionLabel.CopyTo(info);
        BinaryPrimitives.WriteUInt64LittleEndian(info[SessionLabel.Length..], peerId);
        BinaryPrimitives.WriteUInt64LittleEndian(info[(SessionLabel.Length + sizeof(ulong))..], credentials.Token);
        Span<byte> key = stackalloc byte[KeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, credentials.Key.Span, key, clusterKey, info);
        return new HeartbeatAuthenticator(key);
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
