using System.Runtime.InteropServices;

namespace Pccl.Native.Abi;

/// <summary><c>pcclReduceInfo_t</c>: 24 bytes (offsets 0, 8, 16).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ReduceInfo
{
    public uint LocalWorldSize;
    public ulong TxBytes;
    public ulong RxBytes;
}

/// <summary><c>pcclReduceOperandDescriptor_t</c>: 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ReduceOperandDescriptor
{
    public NativeDataType DataType;
    public int DistributionHint;
}

/// <summary><c>pcclQuantizationOptions_t</c>: 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct QuantizationOptions
{
    public NativeDataType QuantizedDataType;
    public NativeQuantizationAlgorithm Algorithm;
}

/// <summary><c>pcclReduceDescriptor_t</c>: 40 bytes (offsets 0, 8, 16, 24, 32).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ReduceDescriptor
{
    public nuint Count;
    public NativeRedOp Op;
    public ulong Tag;
    public ReduceOperandDescriptor Source;
    public QuantizationOptions Quantization;
}

/// <summary><c>pcclReduceOpDescriptor_t</c>: 56 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ReduceOpDescriptor
{
    public void* SendBuffer;
    public void* ReceiveBuffer;
    public ReduceDescriptor Descriptor;
}

/// <summary><c>pcclAsyncReduceOp_t</c>: 16 bytes, the communicator handle and the tag, kept by the caller by value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AsyncReduceOp
{
    public nint Communicator;
    public ulong Tag;
}
