using System.Collections.Concurrent;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Pinned, pre-touched scratch buffers kept across calls: a fresh buffer per call would cost page faults on every
/// operation (OpenMPI loses half its speed above 64 MiB that way).
/// </summary>
internal sealed class ScratchPool
{
    private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _free = new();

    public byte[] Rent(int minimumBytes)
    {
        var size = (int)Math.Max(4096, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, minimumBytes)));
        if (_free.GetOrAdd(size, _ => []).TryTake(out var buffer))
        {
            return buffer;
        }

        buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        for (var i = 0; i < buffer.Length; i += 4096)
        {
            buffer[i] = 0;
        }

        return buffer;
    }

    public void Return(byte[] buffer) => _free.GetOrAdd(buffer.Length, _ => []).Add(buffer);
}
