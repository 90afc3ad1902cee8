using System.Runtime.InteropServices;
using Pccl.Native.Abi;
using Pccl.Native.Interop;

namespace Pccl.Native.Exports;

/// <summary>The all-reduces: blocking, async with a later await, and the batch with retries.</summary>
internal static unsafe class CollectiveExports
{
    [UnmanagedCallersOnly(EntryPoint = "pcclAllReduce")]
    public static PcclResult AllReduce(void* send, void* receive, ReduceDescriptor* descriptor, nint comm, ReduceInfo* infoOut)
    {
        try
        {
            var found = Library.FindConnected(comm, out _, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            var checkedCall = ReduceCall.TryCreate(send, receive, descriptor, out var call);
            if (checkedCall != PcclResult.Success)
            {
                return checkedCall;
            }

            ReduceCall.Write(infoOut, call.Start(communicator).GetAwaiter().GetResult());
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclAllReduceAsync")]
    public static PcclResult AllReduceAsync(void* send, void* receive, ReduceDescriptor* descriptor, nint comm, AsyncReduceOp* handleOut)
    {
        try
        {
            var found = Library.FindConnected(comm, out var native, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            var checkedCall = ReduceCall.TryCreate(send, receive, descriptor, out var call);
            if (checkedCall != PcclResult.Success || handleOut is null)
            {
                return checkedCall != PcclResult.Success ? checkedCall : PcclResult.InvalidArgument;
            }

            if (!native.TryStart(descriptor->Tag, () => call.Start(communicator)))
            {
                return PcclResult.InvalidUsage;
            }

            handleOut->Communicator = comm;
            handleOut->Tag = descriptor->Tag;
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclAwaitAsyncReduce")]
    public static PcclResult AwaitAsyncReduce(AsyncReduceOp* handle, ReduceInfo* infoOut)
    {
        try
        {
            if (!Library.Initialized)
            {
                return PcclResult.NotInitialized;
            }

            if (handle is null)
            {
                return PcclResult.InvalidArgument;
            }

            var found = Library.Find(handle->Communicator, out var native);
            if (found != PcclResult.Success)
            {
                return found;
            }

            if (native.Take(handle->Tag) is not { } running)
            {
                return PcclResult.InvalidArgument;
            }

            ReduceCall.Write(infoOut, running.GetAwaiter().GetResult());
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclAllReduceMultipleWithRetry")]
    public static PcclResult AllReduceMultipleWithRetry(ReduceOpDescriptor* descriptors, nuint count, nint comm, ReduceInfo* infoOut, int maxInFlight)
    {
        try
        {
            var found = Library.FindConnected(comm, out _, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            if (descriptors is null || count == 0 || count > int.MaxValue || maxInFlight < 1)
            {
                return PcclResult.InvalidArgument;
            }

            var calls = new List<ReduceCall>((int)count);
            for (nuint i = 0; i < count; i++)
            {
                var op = &descriptors[i];
                var checkedCall = ReduceCall.TryCreate(op->SendBuffer, op->ReceiveBuffer, &op->Descriptor, out var call);
                if (checkedCall != PcclResult.Success)
                {
                    return checkedCall;
                }

                calls.Add(call);
            }

            ReduceCall.Write(infoOut, ReduceBatch.Summarize(ReduceBatch.Run(communicator, calls, maxInFlight)));
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }
}
