using Pccl.Native.Abi;

namespace Pccl.Native.Interop;

/// <summary>
/// <c>pcclAllReduceMultipleWithRetry</c> on the library's <see cref="Communicator.AllReduceManyWithRetryAsync{T}"/>,
/// which takes one element type per batch: operations of mixed types run as one batch per type, in the order each
/// type first appears, so peers that pass the same list stay in step.
/// </summary>
internal static class ReduceBatch
{
    public static IReadOnlyList<AllReduceInfo> Run(Communicator communicator, IReadOnlyList<ReduceCall> calls, int maxInFlight)
    {
        var results = new List<AllReduceInfo>(calls.Count);
        foreach (var group in calls.GroupBy(c => c.DataType))
        {
            var batch = group.ToList();
            foreach (var call in batch)
            {
                call.CopyInputToReceiveBuffer();
            }

            results.AddRange(Run(communicator, group.Key, batch, maxInFlight));
        }

        return results;
    }

    private static IReadOnlyList<AllReduceInfo> Run(Communicator communicator, NativeDataType type, List<ReduceCall> batch, int maxInFlight) => type switch
    {
        NativeDataType.Uint8 => Run<byte>(communicator, batch, maxInFlight),
        NativeDataType.Int8 => Run<sbyte>(communicator, batch, maxInFlight),
        NativeDataType.Int16 => Run<short>(communicator, batch, maxInFlight),
        NativeDataType.Uint16 => Run<ushort>(communicator, batch, maxInFlight),
        NativeDataType.Uint32 => Run<uint>(communicator, batch, maxInFlight),
        NativeDataType.Int32 => Run<int>(communicator, batch, maxInFlight),
        NativeDataType.Uint64 => Run<ulong>(communicator, batch, maxInFlight),
        NativeDataType.Int64 => Run<long>(communicator, batch, maxInFlight),
        NativeDataType.Float16 => Run<Half>(communicator, batch, maxInFlight),
        NativeDataType.BFloat16 => Run<BFloat16>(communicator, batch, maxInFlight),
        NativeDataType.Float => Run<float>(communicator, batch, maxInFlight),
        _ => Run<double>(communicator, batch, maxInFlight),
    };

    private static IReadOnlyList<AllReduceInfo> Run<T>(Communicator communicator, List<ReduceCall> batch, int maxInFlight) where T : unmanaged
    {
        var operations = batch.Select(c => new AllReduceOperation<T>(c.Receive<T>(), c.Options)).ToList();
        return communicator.AllReduceManyWithRetryAsync(operations, maxInFlight).GetAwaiter().GetResult();
    }

    /// <summary>What <c>info_out</c> reports for a batch: bytes summed, and the smallest world that completed an operation.</summary>
    public static AllReduceInfo Summarize(IReadOnlyList<AllReduceInfo> results) =>
        new(results.Sum(r => r.BytesSent), results.Sum(r => r.BytesReceived), TimeSpan.Zero,
            results.Count == 0 ? 0 : results.Min(r => r.WorldSize), 0, AllReduceAlgorithm.Auto);
}
