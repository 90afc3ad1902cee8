namespace Pccl.Transport.Security;

/// <summary>
/// Builds the <see cref="PcclErrorCode.AuthenticationFailed"/> errors of a failed TLS handshake, each saying what to
/// fix. Certificate refusals carry the refusing side's own reason; transport errors are read for the usual causes.
/// </summary>
internal static class TlsFailure
{
    /// <summary>The reason given when a plaintext PCCL hello reaches a TLS listener.</summary>
    internal const string TlsRequired = "TLS required";

    private const byte TlsAlertRecord = 0x15;

    /// <summary>This side refused the other side's certificate.</summary>
    internal static PcclException WeRefused(string reason, string peerRole) =>
        Failed(peerRole, $"we refused the {peerRole}'s certificate: {reason}", null);

    /// <summary>The server told this client why it refused the client's certificate.</summary>
    internal static PcclException ServerRefusedUs(string reason) =>
        Failed("server", $"the server refused our certificate (network.tls.cert_file): {reason}", null);

    /// <summary>A plaintext client reached this TLS server.</summary>
    internal static PlaintextClientException PlaintextClient(byte firstByte)
    {
        var what = firstByte == (byte)'P'
            ? "the client sent a plaintext PCCL hello"
            : $"the client's first byte 0x{firstByte:X2} does not start a TLS handshake";
        return new PlaintextClientException(
            $"{TlsRequired}: {what}; set network.tls.enabled: true (with the same CA and a certificate) on every process");
    }

    internal static PcclException ClosedBeforeHandshake() =>
        new(PcclErrorCode.AuthenticationFailed,
            "TLS handshake with the client failed: it closed the connection before sending anything", isTransient: true);

    /// <summary>
    /// Explains a transport or platform error raised during the handshake. A server that closed the connection before
    /// sending a byte did not judge our certificate: it dropped us unheard (a full handshake limit), which is transient.
    /// </summary>
    internal static PcclException Describe(Exception error, string peerRole, int firstByteReceived)
    {
        if (firstByteReceived >= 0 && firstByteReceived != TlsStreamFactory.TlsHandshakeRecord && firstByteReceived != TlsAlertRecord)
        {
            var sent = firstByteReceived == 'P' ? "a plaintext PCCL message" : $"a first byte 0x{firstByteReceived:X2}";
            return Failed(peerRole, $"the {peerRole} is not speaking TLS (it sent {sent}); set network.tls.enabled: true on it", error);
        }

        if (firstByteReceived < 0 && peerRole == "server" && error is IOException or System.Security.Authentication.AuthenticationException)
        {
            return new PcclException(PcclErrorCode.ConnectionRefused,
                $"the server closed the connection before the TLS handshake (it sent nothing: {error.Message}); it may be busy " +
                "(too many pending handshakes): retry later", isTransient: true, error);
        }

        var text = string.Join(" | ", Chain(error).Select(e => e.Message)).ToUpperInvariant();
        string reason;
        if (text.Contains("PROTOCOL VERSION", StringComparison.Ordinal) || text.Contains("UNSUPPORTED PROTOCOL", StringComparison.Ordinal))
        {
            reason = $"the {peerRole} offers no TLS version we accept (TLS 1.2 or 1.3 required)";
        }
        else if (text.Contains("UNKNOWN CA", StringComparison.Ordinal) || text.Contains("CERTIFICATE", StringComparison.Ordinal))
        {
            reason = $"the {peerRole} refused our certificate ({error.Message}); check network.tls.cert_file is signed by " +
                     "the CA the other side trusts and has not expired";
        }
        else if (error is IOException or System.Security.Authentication.AuthenticationException)
        {
            reason = $"the {peerRole} closed the connection during the handshake ({error.Message}); it may have refused " +
                     "our certificate (see its log) or may not have network.tls.enabled";
        }
        else
        {
            reason = error.Message;
        }

        return Failed(peerRole, reason, error);
    }

    private static PcclException Failed(string peerRole, string reason, Exception? inner) =>
        new(PcclErrorCode.AuthenticationFailed, $"TLS handshake with the {peerRole} failed: {reason}", isTransient: false, inner);

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
