namespace Pccl.Operations.StateSync;

/// <summary>A dirty tensor to fetch and the peers that hold its elected content.</summary>
/// <param name="Key">Name of the tensor.</param>
/// <param name="ByteLength">Size in bytes.</param>
/// <param name="Donors">Peers holding the elected content; at least one.</param>
internal sealed record TensorTransfer(string Key, long ByteLength, IReadOnlyList<ulong> Donors);
