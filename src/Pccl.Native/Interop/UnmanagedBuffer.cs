using System.Buffers;

namespace Pccl.Native.Interop;

/// <summary>
/// A <see cref="Memory{T}"/> over memory the C caller owns. The caller keeps it alive and still for the length of the
/// call (or, for an async all-reduce, until the await), so pinning is a no-op.
/// </summary>
internal sealed unsafe class UnmanagedBuffer<T>(void* pointer, int length) : MemoryManager<T> where T : unmanaged
{
    public override Span<T> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((T*)pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
