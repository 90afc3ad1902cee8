using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>Why a server refused a connection; a standby master names the leader in <paramref name="LeaderAddress"/>.</summary>
internal sealed record Refusal(RefusalReason Reason, string Message, string LeaderAddress = "");
