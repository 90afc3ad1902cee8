using Pccl.Protocol.Messages;

namespace Pccl.Master.Core.StateSync;

/// <summary>What a peer reports about one tensor of its shared state: everything but the bytes.</summary>
/// <param name="Key">Name of the tensor.</param>
/// <param name="DataType">Element type.</param>
/// <param name="ByteLength">Size in bytes.</param>
/// <param name="Hash">Content hash (TensorHasher).</param>
/// <param name="AllowContentInequality">True when peers may hold different content for this key.</param>
internal sealed record SharedStateTensorReport(string Key, DataType DataType, ulong ByteLength, ulong Hash, bool AllowContentInequality);

/// <summary>One peer's request to synchronise: its revision, strategy and tensors.</summary>
/// <param name="PeerId">The peer.</param>
/// <param name="Revision">The revision the peer's content is at.</param>
/// <param name="Strategy">How the peer takes part.</param>
/// <param name="Tensors">Its tensors, in any order.</param>
internal sealed record SharedStatePeerReport(
    ulong PeerId, ulong Revision, SharedStateSyncStrategy Strategy, IReadOnlyList<SharedStateTensorReport> Tensors);
