namespace Pccl.Native.Abi;

/// <summary><c>pcclDataType_t</c>; the order differs from <see cref="PcclDataType"/> (Int16 before Uint16).</summary>
internal enum NativeDataType
{
    Uint8 = 0,
    Int8 = 1,
    Int16 = 2,
    Uint16 = 3,
    Uint32 = 4,
    Int32 = 5,
    Uint64 = 6,
    Int64 = 7,
    Float16 = 8,
    BFloat16 = 9,
    Float = 10,
    Double = 11,
}

/// <summary><c>pcclDeviceType_t</c>.</summary>
internal enum NativeDeviceType
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary><c>pcclRedOp_t</c>; same order as <see cref="ReduceOperation"/>.</summary>
internal enum NativeRedOp
{
    Sum = 0,
    Avg = 1,
    Prod = 2,
    Max = 3,
    Min = 4,
}

/// <summary><c>pcclAttribute_t</c>.</summary>
internal enum NativeAttribute
{
    GlobalWorldSize = 1,
    PeerGroupWorldSize = 2,
    NumDistinctPeerGroups = 3,
    LargestPeerGroupWorldSize = 4,
}

/// <summary><c>pcclQuantizationAlgorithm_t</c>.</summary>
internal enum NativeQuantizationAlgorithm
{
    None = 0,
    MinMax = 1,
    ZeroPointScale = 2,
}

/// <summary><c>ccoip_inet_protocol_t</c>.</summary>
internal enum InetProtocol
{
    IPv4 = 0,
    IPv6 = 1,
}
