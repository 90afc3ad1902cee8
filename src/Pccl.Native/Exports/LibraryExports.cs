using System.Runtime.InteropServices;
using Pccl.Native.Abi;

namespace Pccl.Native.Exports;

/// <summary><c>pcclInit</c> and <c>pcclGetBuildInfo</c>.</summary>
internal static unsafe class LibraryExports
{
    [UnmanagedCallersOnly(EntryPoint = "pcclInit")]
    public static PcclResult Init()
    {
        Library.Initialize();
        return PcclResult.Success;
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclGetBuildInfo")]
    public static PcclResult GetBuildInfo(BuildInfo* info)
    {
        if (info is null)
        {
            return PcclResult.InvalidArgument;
        }

        info->HasCudaSupport = 0;
        return PcclResult.Success;
    }
}
