using Pccl.Native.Abi;

namespace Pccl.Native.Interop;

/// <summary>One all-reduce as the C caller described it, checked and translated: buffers, element type and options.</summary>
internal readonly unsafe struct ReduceCall
{
    private readonly void* _send;
    private readonly void* _receive;
    private readonly int _count;
    private readonly NativeDataType _type;

    private ReduceCall(void* send, void* receive, int count, NativeDataType type, AllReduceOptions options)
    {
        _send = send;
        _receive = receive;
        _count = count;
        _type = type;
        Options = options;
    }

    public AllReduceOptions Options { get; }

    public bool InPlace => _send == _receive;

    /// <summary>The call, or <see cref="PcclResult.InvalidArgument"/> for a null buffer, a count of 0 (or above <see cref="int.MaxValue"/>), an unknown enum value or a tag above 32 bits.</summary>
    public static PcclResult TryCreate(void* send, void* receive, ReduceDescriptor* descriptor, out ReduceCall call)
    {
        call = default;
        if (send is null || receive is null || descriptor is null || descriptor->Count == 0 || descriptor->Count > int.MaxValue
            || descriptor->Tag > uint.MaxValue || DataTypeMap.ToLibrary(descriptor->Source.DataType) is null)
        {
            return PcclResult.InvalidArgument;
        }

        if (DataTypeMap.ToLibrary(descriptor->Op) is not { } op || DataTypeMap.ToLibrary(descriptor->Quantization) is not { } quantization)
        {
            return PcclResult.InvalidArgument;
        }

        var options = new AllReduceOptions { Op = op, Tag = (uint)descriptor->Tag, Quantization = quantization };
        call = new ReduceCall(send, receive, (int)descriptor->Count, descriptor->Source.DataType, options);
        return PcclResult.Success;
    }

    /// <summary>Starts the all-reduce on <paramref name="communicator"/>.</summary>
    public Task<AllReduceInfo> Start(Communicator communicator) => _type switch
    {
        NativeDataType.Uint8 => Start<byte>(communicator),
        NativeDataType.Int8 => Start<sbyte>(communicator),
        NativeDataType.Int16 => Start<short>(communicator),
        NativeDataType.Uint16 => Start<ushort>(communicator),
        NativeDataType.Uint32 => Start<uint>(communicator),
        NativeDataType.Int32 => Start<int>(communicator),
        NativeDataType.Uint64 => Start<ulong>(communicator),
        NativeDataType.Int64 => Start<long>(communicator),
        NativeDataType.Float16 => Start<Half>(communicator),
        NativeDataType.BFloat16 => Start<BFloat16>(communicator),
        NativeDataType.Float => Start<float>(communicator),
        _ => Start<double>(communicator),
    };

    /// <summary>
    /// Makes the call in place on the receive buffer (copying the input there when out of place), as
    /// <c>pcclAllReduceMultipleWithRetry</c> needs: a retried operation restores its input from the library's backup.
    /// </summary>
    public void CopyInputToReceiveBuffer()
    {
        if (!InPlace)
        {
            var bytes = (long)_count * DataTypeMap.ElementSize(_type);
            Buffer.MemoryCopy(_send, _receive, bytes, bytes);
        }
    }

    public NativeDataType DataType => _type;

    /// <summary>The receive buffer as elements of <typeparamref name="T"/>.</summary>
    public Memory<T> Receive<T>() where T : unmanaged => new UnmanagedBuffer<T>(_receive, _count).Memory;

    private Task<AllReduceInfo> Start<T>(Communicator communicator) where T : unmanaged =>
        InPlace
            ? communicator.AllReduceAsync(Receive<T>(), Options)
            : communicator.AllReduceAsync((ReadOnlyMemory<T>)new UnmanagedBuffer<T>(_send, _count).Memory, Receive<T>(), Options);

    public static void Write(ReduceInfo* infoOut, AllReduceInfo info)
    {
        if (infoOut is not null)
        {
            infoOut->LocalWorldSize = (uint)info.WorldSize;
            infoOut->TxBytes = (ulong)info.BytesSent;
            infoOut->RxBytes = (ulong)info.BytesReceived;
        }
    }
}
