using System.Runtime.InteropServices;
using Pccl.Native.Abi;
using Pccl.Native.Interop;

namespace Pccl.Native.Exports;

/// <summary><c>pcclSynchronizeSharedState</c>.</summary>
internal static unsafe class SharedStateExports
{
    [UnmanagedCallersOnly(EntryPoint = "pcclSynchronizeSharedState")]
    public static PcclResult Synchronize(nint comm, SharedStateDescriptor* descriptor, int strategy, SharedStateSyncInfoOut* infoOut)
    {
        try
        {
            var found = CommunicatorExports.FindIdle(comm, out var native, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            if (DataTypeMap.ToLibrary(strategy) is not { } known)
            {
                return PcclResult.InvalidArgument;
            }

            var viewed = SharedStateView.TryCreate(descriptor, out var state);
            if (viewed != PcclResult.Success)
            {
                return viewed;
            }

            var info = communicator.SyncSharedStateAsync(state, known).GetAwaiter().GetResult();
            descriptor->Revision = state.Revision;
            native.SharedStateRevision = state.Revision;
            if (infoOut is not null)
            {
                infoOut->TxBytes = info.TxBytes;
                infoOut->RxBytes = info.RxBytes;
            }

            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }
}
