namespace Pccl;

/// <summary>The <see cref="PcclDataType"/> of a .NET element type, and the size of its elements.</summary>
internal static class PcclDataTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this PcclDataType type) => type switch
    {
        PcclDataType.U8 or PcclDataType.I8 => 1,
        PcclDataType.U16 or PcclDataType.I16 or PcclDataType.F16 or PcclDataType.BF16 => 2,
        PcclDataType.U32 or PcclDataType.I32 or PcclDataType.F32 => 4,
        PcclDataType.U64 or PcclDataType.I64 or PcclDataType.F64 => 8,
        _ => throw Unknown(type),
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

    /// <summary>The data type of <typeparamref name="T"/>; refuses a type PCCL cannot reduce.</summary>
    public static PcclDataType Require<T>() where T : unmanaged =>
        Of<T>() ?? throw new PcclException(PcclErrorCode.InvalidArgument,
            $"{typeof(T).Name} is not a supported element type (u8..u64, i8..i64, Half, BFloat16, float, double)");

    /// <summary>The error for a value outside the enum.</summary>
    public static PcclException Unknown(PcclDataType type) =>
        new(PcclErrorCode.InvalidArgument, $"Data type value {(int)type} is not a PcclDataType member; use one of U8..F64.");
}
