using System.Runtime.InteropServices;
using Pccl.Native.Abi;

namespace Pccl.Native.Interop;

/// <summary>A <see cref="SharedState"/> over the C caller's <c>pcclSharedState_t</c>: each entry a view of its tensor's memory.</summary>
internal static unsafe class SharedStateView
{
    /// <summary>
    /// The state, or <see cref="PcclResult.InvalidArgument"/> for a null or unnamed tensor, an unknown type, or a CUDA
    /// tensor (this build has no CUDA support).
    /// </summary>
    public static PcclResult TryCreate(SharedStateDescriptor* descriptor, out SharedState state)
    {
        state = null!;
        if (descriptor is null || (descriptor->Count > 0 && descriptor->Infos is null))
        {
            return PcclResult.InvalidArgument;
        }

        var entries = new List<SharedStateEntry>();
        for (nuint i = 0; i < descriptor->Count; i++)
        {
            var info = &descriptor->Infos[i];
            if (info->Name is null || info->DeviceType != NativeDeviceType.Cpu || DataTypeMap.ToLibrary(info->DataType) is not { } type
                || (info->Data is null && info->Count > 0))
            {
                return PcclResult.InvalidArgument;
            }

            var bytes = (long)info->Count * DataTypeMap.ElementSize(info->DataType);
            if (bytes > int.MaxValue)
            {
                return PcclResult.InvalidArgument;
            }

            var name = Marshal.PtrToStringUTF8((nint)info->Name) ?? "";
            var content = new UnmanagedBuffer<byte>(info->Data, (int)bytes).Memory;
            entries.Add(new SharedStateEntry(name, content, type, info->AllowContentInequality != 0));
        }

        state = new SharedState(entries, descriptor->Revision);
        return PcclResult.Success;
    }
}
