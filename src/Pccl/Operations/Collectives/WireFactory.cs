using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>Picks the wire encoding an operation's parameters ask for.</summary>
internal static class WireFactory
{
    /// <summary>Bytes of the gather store the wire needs besides the per-piece scratch (quantization keeps the owners' codes).</summary>
    public static int StoreBytes(CollectiveDescriptor descriptor, RingLayout layout) =>
        descriptor.Quantization == Quantization.None ? 0 : QuantizedWire.GatherStoreBytes(descriptor.DataType, descriptor.Quantization, layout);

    /// <summary>The wire for <paramref name="descriptor"/>; with <paramref name="apart"/>, partial sums and owned finals are kept there instead of in the buffer.</summary>
    public static RingWire Create(CollectiveDescriptor descriptor, Memory<byte> buffer, int worldSize, RingLayout layout, Memory<byte> store, ValuesKeptApart? apart = null)
    {
        if (descriptor.Quantization != Quantization.None)
        {
            return new QuantizedWire(buffer, descriptor.DataType, descriptor.Op, descriptor.Quantization, worldSize, layout, store, apart);
        }

        return descriptor.Compression
            ? new CompressedWire(buffer, descriptor.DataType, descriptor.Op, worldSize, apart)
            : new RawWire(buffer, descriptor.DataType, descriptor.Op, worldSize, apart);
    }
}
