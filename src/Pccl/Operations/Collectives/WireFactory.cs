using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>Picks the wire encoding an operation's parameters ask for.</summary>
internal static class WireFactory
{
    public static RingWire Create(CollectiveDescriptor descriptor, Memory<byte> buffer, int worldSize, RingLayout layout) =>
        new RawWire(buffer, descriptor.DataType, descriptor.Op, worldSize);
}
