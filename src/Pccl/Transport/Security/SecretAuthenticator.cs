using System.Security.Cryptography;
using System.Text;

namespace Pccl.Transport.Security;

/// <summary>
/// Mutual HMAC-SHA256 challenge-response over an already connected stream, proving to each side that the other
/// holds the shared secret without sending it. Both proofs cover both nonces and the hello transcript, so a proof
/// cannot be replayed on another connection or spliced onto a different hello.
/// </summary>
/// <remarks>
/// Messages, all fixed size, where K = HKDF-SHA256(secret, info "pccl handshake v2"):
/// server -> client  challenge: kind 0xA1, Ns[32]
/// client -> server  response:  kind 0xA2, Nc[32], HMAC(K, "client" | Ns | Nc | transcript)[32]
/// server -> client  verdict:   kind 0xA3 (accepted) then HMAC(K, "server" | Ns | Nc | transcript)[32],
///                              or kind 0xA4 (refused) then 32 zero bytes.
/// The refusal lets the client report the mismatch instead of a bare closed connection.
/// Time limits come from the cancellation token.
/// </remarks>
internal sealed class SecretAuthenticator
{
    internal const int NonceSize = 32;
    internal const int MacSize = 32;
    internal const int ChallengeSize = 1 + NonceSize;
    internal const int ResponseSize = 1 + NonceSize + MacSize;
    internal const int VerdictSize = 1 + MacSize;

    private const byte ChallengeKind = 0xA1;
    private const byte ResponseKind = 0xA2;
    private const byte AcceptedKind = 0xA3;
    private const byte RefusedKind = 0xA4;

    internal const string MismatchMessage = "shared secret mismatch (auth.secret)";

    private static readonly byte[] ClientLabel = "client"u8.ToArray();
    private static readonly byte[] ServerLabel = "server"u8.ToArray();

    private static ReadOnlySpan<byte> KeyPurpose => "pccl handshake v2"u8;

    private readonly byte[] _key;

    /// <summary>Keys the proofs with a key derived from <paramref name="secret"/>, never the secret itself.</summary>
    internal SecretAuthenticator(ReadOnlySpan<byte> secret)
    {
        if (secret.IsEmpty)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration, "auth.secret is empty; set it (e.g. from PCCL_AUTH_SECRET)");
        }

        _key = ClusterSecretKeys.Derive(secret, KeyPurpose);
    }

    /// <summary>Builds the authenticator from options; the secret is the UTF-8 bytes of <see cref="AuthOptions.Secret"/>.</summary>
    internal static SecretAuthenticator FromOptions(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.Secret))
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                "auth.secret is required when auth.enabled is true; set it (e.g. secret: \"${PCCL_AUTH_SECRET}\")");
        }

        return new SecretAuthenticator(Encoding.UTF8.GetBytes(options.Secret));
    }

    /// <summary>Server side: challenges the client and proves itself once the client's proof is valid.</summary>
    internal async Task RunServerAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var challenge = new byte[ChallengeSize];
        challenge[0] = ChallengeKind;
        RandomNumberGenerator.Fill(challenge.AsSpan(1));
        await stream.WriteAsync(challenge, cancellationToken);
        await stream.FlushAsync(cancellationToken);

        var response = new byte[ResponseSize];
        await ReadExactlyAsync(stream, response, "the client's response", cancellationToken);
        Expect(response[0], ResponseKind, "response", "client");

        var serverNonce = challenge.AsMemory(1, NonceSize);
        var clientNonce = response.AsMemory(1, NonceSize);
        var expected = Mac(ClientLabel, serverNonce.Span, clientNonce.Span, transcript.Span);
        var verdict = new byte[VerdictSize];
        var accepted = CryptographicOperations.FixedTimeEquals(expected, response.AsSpan(1 + NonceSize, MacSize));
        if (accepted)
        {
            verdict[0] = AcceptedKind;
            Mac(ServerLabel, serverNonce.Span, clientNonce.Span, transcript.Span).CopyTo(verdict.AsSpan(1));
        }
        else
        {
            verdict[0] = RefusedKind;
        }

        await stream.WriteAsync(verdict, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        if (!accepted)
        {
            throw Mismatch("the client");
        }
    }

    /// <summary>Client side: answers the challenge and checks the server's proof.</summary>
    internal async Task RunClientAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var challenge = new byte[ChallengeSize];
        await ReadExactlyAsync(stream, challenge, "the server's challenge", cancellationToken);
        Expect(challenge[0], ChallengeKind, "challenge", "server");

        var response = new byte[ResponseSize];
        response[0] = ResponseKind;
        RandomNumberGenerator.Fill(response.AsSpan(1, NonceSize));
        var serverNonce = challenge.AsMemory(1, NonceSize);
        var clientNonce = response.AsMemory(1, NonceSize);
        Mac(ClientLabel, serverNonce.Span, clientNonce.Span, transcript.Span).CopyTo(response.AsSpan(1 + NonceSize));
        await stream.WriteAsync(response, cancellationToken);
        await stream.FlushAsync(cancellationToken);

        var verdict = new byte[VerdictSize];
        await ReadExactlyAsync(stream, verdict, "the server's verdict", cancellationToken);
        if (verdict[0] == RefusedKind)
        {
            throw Mismatch("the server");
        }

        Expect(verdict[0], AcceptedKind, "verdict", "server");
        var expected = Mac(ServerLabel, serverNonce.Span, clientNonce.Span, transcript.Span);
        if (!CryptographicOperations.FixedTimeEquals(expected, verdict.AsSpan(1)))
        {
            throw Mismatch("the server");
        }
    }

    private byte[] Mac(byte[] label, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> transcript)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(label);
        hmac.AppendData(serverNonce);
        hmac.AppendData(clientNonce);
        hmac.AppendData(transcript);
        return hmac.GetHashAndReset();
    }

    private static PcclException Mismatch(string who) =>
        new(PcclErrorCode.AuthenticationFailed,
            $"{MismatchMessage}: {who} proved a different secret; set the same auth.secret on every process");

    private static void Expect(byte actual, byte expected, string message, string who)
    {
        if (actual != expected)
        {
            throw new PcclException(PcclErrorCode.ProtocolViolation,
                $"authentication failed: expected {who}'s {message} (0x{expected:X2}), got 0x{actual:X2}; " +
                "is auth.enabled the same on every process?");
        }
    }

    private static async Task ReadExactlyAsync(Stream stream, byte[] buffer, string what, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException ex)
        {
            throw new PcclException(PcclErrorCode.AuthenticationFailed,
                $"authentication failed: the connection closed while waiting for {what}; is auth.enabled the same on every process?",
                isTransient: false, ex);
        }
    }
}
