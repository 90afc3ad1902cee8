namespace Pccl.Protocol.Codec;

/// <summary>Bytes that do not form a valid frame or message. Never transient: the sender is broken or hostile.</summary>
internal sealed class ProtocolException(string message, Exception? inner = null)
    : PcclException(PcclErrorCode.ProtocolViolation, message, isTransient: false, inner);
