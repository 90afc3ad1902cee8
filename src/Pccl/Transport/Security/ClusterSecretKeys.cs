using System.Security.Cryptography;

namespace Pccl.Transport.Security;

/// <summary>
/// Derives the keys the shared secret (<c>auth.secret</c>) stands behind: HKDF-SHA256 with a label per purpose, so the
/// secret itself never keys an HMAC and no two uses share a key.
/// </summary>
internal static class ClusterSecretKeys
{
    /// <summary>Bytes of every derived key.</summary>
    internal const int KeySize = 32;

    /// <summary>The key for <paramref name="purpose"/>, a label naming the use and its version.</summary>
    internal static byte[] Derive(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> purpose)
    {
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The shared secret is empty.", nameof(secret));
        }

        var key = new byte[KeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, key, salt: [], info: purpose);
        return key;
    }
}
