using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl;

/// <summary>Sizes of <see cref="PcclDataType"/> elements and the mapping to the wire enum.</summary>
internal static class PcclDataTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this PcclDataType type) => ReduceKernels.ElementSize(type.ToWire());

    /// <summary>The wire enum for a public data type.</summary>
    public static DataType ToWire(this PcclDataType type) => type switch
    {
        PcclDataType.U8 => DataType.U8,
        PcclDataType.I8 => DataType.I8,
        PcclDataType.U16 => DataType.U16,
        PcclDataType.I16 => DataType.I16,
        PcclDataType.U32 => DataType.U32,
        PcclDataType.I32 => DataType.I32,
        PcclDataType.U64 => DataType.U64,
        PcclDataType.I64 => DataType.I64,
        PcclDataType.F16 => DataType.F16,
        PcclDataType.BF16 => DataType.Bf16,
        PcclDataType.F32 => DataType.F32,
        PcclDataType.F64 => DataType.F64,
        _ => throw Unknown(type),
    };

    /// <summary>The public data type for a wire enum value; refuses <see cref="DataType.Unspecified"/> and unknown values.</summary>
    public static PcclDataType FromWire(DataType type) => type switch
    {
        DataType.U8 => PcclDataType.U8,
        DataType.I8 => PcclDataType.I8,
        DataType.U16 => PcclDataType.U16,
        DataType.I16 => PcclDataType.I16,
        DataType.U32 => PcclDataType.U32,
        DataType.I32 => PcclDataType.I32,
        DataType.U64 => PcclDataType.U64,
        DataType.I64 => PcclDataType.I64,
        DataType.F16 => PcclDataType.F16,
        DataType.Bf16 => PcclDataType.BF16,
        DataType.F32 => PcclDataType.F32,
        DataType.F64 => PcclDataType.F64,
        _ => throw new PcclException(PcclErrorCode.ProtocolViolation,
            $"Data type {type} on the wire is not one PCCL knows; both sides must run the same protocol version."),
    };

    /// <summary>The data type whose elements are stored as <typeparamref name="T"/>, or null when there is none.</summary>
    public static PcclDataType? Of<T>() where T : unmanaged
    {
        var t = typeof(T);
        if (t == typeof(byte)) return PcclDataType.U8;
        if (t == typeof(sbyte)) return PcclDataType.I8;
        if (t == typeof(ushort)) return PcclDataType.U16;
        if (t == typeof(short)) return PcclDataType.I16;
        if (t == typeof(uint)) return PcclDataType.U32;
        if (t == typeof(int)) return PcclDataType.I32;
        if (t == typeof(ulong)) return PcclDataType.U64;
        if (t == typeof(long)) return PcclDataType.I64;
        if (t == typeof(Half)) return PcclDataType.F16;
        if (t == typeof(BFloat16)) return PcclDataType.BF16;
        if (t == typeof(float)) return PcclDataType.F32;
        if (t == typeof(double)) return PcclDataType.F64;
        return null;
    }

    private static PcclException Unknown(PcclDataType type) =>
        new(PcclErrorCode.InvalidArgument, $"Data type value {(int)type} is not a PcclDataType member; use one of U8..F64.");
}
