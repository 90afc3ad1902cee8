using System.Buffers;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The caller's <see cref="Memory{T}"/> seen as bytes for the duration of one operation, pinned so socket IO reads and
/// writes it in place without copies.
/// </summary>
internal sealed unsafe class PinnedBytes<T> : MemoryManager<byte> where T : unmanaged
{
    private readonly MemoryHandle _handle;
    private readonly int _length;

    public PinnedBytes(Memory<T> memory)
    {
        if ((long)memory.Length * sizeof(T) > int.MaxValue)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, "one all-reduce moves at most 2 GiB; split the buffer");
        }

        _handle = memory.Pin();
        _length = memory.Length * sizeof(T);
    }

    public override Span<byte> GetSpan() => new(_handle.Pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)_handle.Pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => _handle.Dispose();
}
