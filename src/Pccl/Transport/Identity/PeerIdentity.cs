using System.Security.Cryptography;

namespace Pccl.Transport.Identity;

/// <summary>
/// A peer's p2p identity for one registration: an ECDSA P-256 key pair made at start. The public half goes to the
/// master, which lists it in every world next to the peer id it assigned; the private half never leaves the process.
/// A p2p connection proves its claimed peer id by signing the handshake transcript, so only that registration can
/// open connections in its name, whatever the other members or the network know.
/// </summary>
internal sealed class PeerIdentity : IDisposable
{
    /// <summary>A SubjectPublicKeyInfo of P-256 is 91 bytes; anything larger is not ours.</summary>
    internal const int MaxPublicKeyBytes = 256;

    private static ReadOnlySpan<byte> Label => "PCCL p2p identity v2"u8;

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public PeerIdentity() => PublicKey = _key.ExportSubjectPublicKeyInfo();

    /// <summary>SubjectPublicKeyInfo, DER.</summary>
    public byte[] PublicKey { get; }

    /// <summary>Signs the handshake transcript (preamble, hello, first reply, exactly as sent).</summary>
    public byte[] Sign(ReadOnlySpan<byte> transcript) => _key.SignData(Labelled(transcript), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>True when <paramref name="signature"/> is the holder of <paramref name="publicKey"/>'s proof over <paramref name="transcript"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> transcript, ReadOnlySpan<byte> signature)
    {
        if (publicKey.IsEmpty || publicKey.Length > MaxPublicKeyBytes)
        {
            return false;
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
            return key.KeySize == 256 && key.VerifyData(Labelled(transcript), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false; // not an EC public key: nothing can match it
        }
    }

    private static byte[] Labelled(ReadOnlySpan<byte> transcript)
    {
        var data = new byte[Label.Length + transcript.Length];
        Label.CopyTo(data);
        transcript.CopyTo(data.AsSpan(Label.Length));
        return data;
    }

    public void Dispose() => _key.Dispose();
}
