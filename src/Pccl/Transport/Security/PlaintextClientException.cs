namespace Pccl.Transport.Security;

/// <summary>A plaintext client reached a TLS listener: the listener answers it in plaintext with a refusal.</summary>
internal sealed class PlaintextClientException(string message) : PcclException(PcclErrorCode.AuthenticationFailed, message);
