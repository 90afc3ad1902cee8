namespace Pccl.Operations.StateSync;

/// <summary>A dirty tensor a receiver fetches: where the bytes go, the hash they must have, and who holds them.</summary>
/// <param name="KeyIndex">Position of the key in the ordinal key order (the index on the wire).</param>
/// <param name="Key">Name of the tensor.</param>
/// <param name="Target">The local tensor, overwritten in place.</param>
/// <param name="ExpectedHash">The elected content hash.</param>
/// <param name="Donors">Peers holding the elected content; at least one.</param>
internal sealed record FetchTensor(uint KeyIndex, string Key, Memory<byte> Target, ulong ExpectedHash, IReadOnlyList<ulong> Donors);
