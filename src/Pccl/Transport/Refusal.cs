using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>Why a server refused a connection.</summary>
internal sealed record Refusal(RefusalReason Reason, string Message);
