namespace Pccl.Operations.StateSync;

/// <summary>
/// Consecutive hash blocks of one tensor that one donor sends. Ranges start on a block boundary, so the
/// receiver verifies every block against the donor-independent block hashes as it arrives.
/// </summary>
/// <param name="Key">Name of the tensor.</param>
/// <param name="Donor">The peer that sends these bytes.</param>
/// <param name="FirstBlock">Index of the first block.</param>
/// <param name="BlockCount">Number of blocks.</param>
/// <param name="Offset">Byte offset in the tensor (FirstBlock times the block size).</param>
/// <param name="Length">Bytes in the range (the last block of a tensor may be short).</param>
internal readonly record struct BlockRange(string Key, ulong Donor, int FirstBlock, int BlockCount, long Offset, long Length);
