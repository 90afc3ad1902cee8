using System.Runtime.InteropServices;

namespace Pccl.Native.Abi;

/// <summary><c>pcclTensorInfo_t</c>: 40 bytes (offsets 0, 8, 16, 24, 28, 32).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TensorInfo
{
    public byte* Name;
    public void* Data;
    public nuint Count;
    public NativeDataType DataType;
    public NativeDeviceType DeviceType;
    /// <summary>C <c>bool</c>: one byte, nonzero is true.</summary>
    public byte AllowContentInequality;
}

/// <summary><c>pcclSharedState_t</c>: 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SharedStateDescriptor
{
    public ulong Revision;
    public nuint Count;
    public TensorInfo* Infos;
}

/// <summary><c>pcclSharedStateSyncInfo_t</c>: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SharedStateSyncInfoOut
{
    public ulong TxBytes;
    public ulong RxBytes;
}

/// <summary><c>pcclBuildInfo_t</c>: 1 byte.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BuildInfo
{
    public byte HasCudaSupport;
}
