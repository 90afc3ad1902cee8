using System.Collections.Concurrent;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Pinned, pre-touched scratch buffers kept across calls: a fresh buffer per call would cost page faults on every
/// operation (OpenMPI loses half its speed above 64 MiB that way). Large ones ask for huge pages (<see cref="HugePageAdvice"/>).
/// </summary>
/// <param name="allocate">Makes a new pinned buffer of the given size; tests replace it to run out of memory.</param>
internal sealed class ScratchPool(Func<int, byte[]>? allocate = null)
{
    private const int Page = 4096;

    private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _free = new();

    public byte[] Rent(int minimumBytes)
    {
        // whole pages, not the next power of two: a 100 MB buffer's backup would otherwise hold 128 MiB
        var size = (int)Math.Min(Array.MaxLength, ((Math.Max(1L, minimumBytes) + Page - 1) / Page) * Page);
        if (_free.GetOrAdd(size, _ => []).TryTake(out var buffer))
        {
            return buffer;
        }

        buffer = allocate?.Invoke(size) ?? GC.AllocateUninitializedArray<byte>(size, pinned: true);
        HugePageAdvice.Advise(buffer);
        for (var i = 0; i < buffer.Length; i += Page)
        {
            buffer[i] = 0;
        }

        return buffer;
    }

    public void Return(byte[] buffer) => _free.GetOrAdd(buffer.Length, _ => []).Add(buffer);
}
