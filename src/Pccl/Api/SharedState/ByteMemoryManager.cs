using System.Buffers;
using System.Runtime.InteropServices;

namespace Pccl;

/// <summary>
/// Views a <see cref="Memory{T}"/> of unmanaged elements as <see cref="Memory{T}"/> of bytes without copying,
/// so a shared-state entry can hold the caller's own buffer whatever its element type.
/// </summary>
internal sealed class ByteMemoryManager<T> : MemoryManager<byte> where T : unmanaged
{
    private readonly Memory<T> _source;

    public ByteMemoryManager(Memory<T> source) => _source = source;

    /// <summary>The bytes of <paramref name="source"/> as a <see cref="Memory{T}"/> of bytes.</summary>
    public static Memory<byte> View(Memory<T> source)
    {
        if (typeof(T) == typeof(byte))
            return (Memory<byte>)(object)source;
        return new ByteMemoryManager<T>(source).Memory;
    }

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_source.Span);

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var inner = _source.Pin();
        return new MemoryHandle((byte*)inner.Pointer + elementIndex, default, new InnerPin(inner));
    }

    public override void Unpin()
    {
        // Every handle from Pin carries its own InnerPin, which releases the source's pin.
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class InnerPin(MemoryHandle inner) : IPinnable
    {
        private MemoryHandle _inner = inner;

        public MemoryHandle Pin(int elementIndex) => throw new NotSupportedException();

        public void Unpin() => _inner.Dispose();
    }
}
