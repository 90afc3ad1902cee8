namespace Pccl;

/// <summary>
/// One all-reduce of a batch run by <see cref="Communicator.AllReduceManyWithRetryAsync{T}"/>: an in-place buffer and its
/// options. Every operation of a batch needs its own <see cref="AllReduceOptions.Tag"/>, the same on every peer.
/// </summary>
/// <param name="Buffer">Reduced in place; restored from the backup before each retry.</param>
/// <param name="Options">Reduction, tag and wire encoding.</param>
public sealed record AllReduceOperation<T>(Memory<T> Buffer, AllReduceOptions Options) where T : unmanaged;
