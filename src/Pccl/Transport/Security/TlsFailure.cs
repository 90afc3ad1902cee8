namespace Pccl.Transport.Security;

/// <summary>
/// Turns a failed TLS handshake into an <see cref="PcclErrorCode.AuthenticationFailed"/> error whose message says
/// what to fix. The reason our own verifier gave wins; otherwise the alert the peer sent is read from the
/// platform's error text.
/// </summary>
internal static class TlsFailure
{
    /// <summary>The reason given when a plaintext PCCL hello reaches a TLS listener.</summary>
    internal const string TlsRequired = "TLS required";

    internal static PcclException Describe(Exception error, string? ourRejection, string peerRole)
    {
        var reason = ourRejection is not null
            ? $"we refused the {peerRole}'s certificate: {ourRejection}"
            : ReasonFromPeer(error, peerRole);
        return new PcclException(PcclErrorCode.AuthenticationFailed, $"TLS handshake with the {peerRole} failed: {reason}",
            isTransient: false, error);
    }

    internal static PcclException PlaintextPeer(byte firstByte)
    {
        var what = firstByte == (byte)'P'
            ? "the client sent a plaintext PCCL hello"
            : $"the client's first byte 0x{firstByte:X2} does not start a TLS handshake";
        return new PcclException(PcclErrorCode.AuthenticationFailed,
            $"{TlsRequired}: {what}; set network.tls.enabled: true (with the same CA and a certificate) on every process");
    }

    internal static PcclException ClosedBeforeHandshake() =>
        new(PcclErrorCode.AuthenticationFailed,
            "TLS handshake with the client failed: it closed the connection before sending anything", isTransient: true);

    private static string ReasonFromPeer(Exception error, string peerRole)
    {
        var text = string.Join(" | ", Chain(error).Select(e => e.Message)).ToUpperInvariant();
        if (text.Contains("UNKNOWN CA", StringComparison.Ordinal))
        {
            return $"the {peerRole} does not trust our certificate: it is not signed by the CA in the {peerRole}'s " +
                   "network.tls.ca_file (unknown CA)";
        }

        if (text.Contains("EXPIRED", StringComparison.Ordinal))
        {
            return $"the {peerRole} refused our certificate as expired; renew network.tls.cert_file";
        }

        if (text.Contains("WRONG VERSION NUMBER", StringComparison.Ordinal) ||
            text.Contains("PACKET LENGTH TOO LONG", StringComparison.Ordinal) ||
            text.Contains("RECORD LAYER FAILURE", StringComparison.Ordinal) ||
            text.Contains("HTTP REQUEST", StringComparison.Ordinal))
        {
            return $"the {peerRole} is not speaking TLS (plaintext); set network.tls.enabled: true on it";
        }

        if (text.Contains("PROTOCOL VERSION", StringComparison.Ordinal) ||
            text.Contains("UNSUPPORTED PROTOCOL", StringComparison.Ordinal))
        {
            return $"the {peerRole} offers no TLS version we accept (TLS 1.2 or 1.3 required)";
        }

        if (text.Contains("CERTIFICATE", StringComparison.Ordinal))
        {
            return $"the {peerRole} refused our certificate ({error.Message}); check network.tls.cert_file is signed by " +
                   "the CA the other side trusts";
        }

        if (error is IOException or System.Security.Authentication.AuthenticationException &&
            (text.Contains("EOF", StringComparison.Ordinal) || text.Contains("0 BYTES", StringComparison.Ordinal) ||
             text.Contains("CLOSED", StringComparison.Ordinal)))
        {
            return $"the {peerRole} closed the connection during the handshake; it may have refused our certificate " +
                   "(see its log) or may not have network.tls.enabled";
        }

        return error.Message;
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
