namespace Pccl.Operations.Collectives;

/// <summary>One piece: its index across the buffer, its byte offset and length, and its element count.</summary>
internal readonly record struct PieceRef(int Index, long Offset, int Elements, int Bytes);
