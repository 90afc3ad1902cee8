namespace Pccl;

/// <summary>The element type of a tensor handed to PCCL.</summary>
public enum PcclDataType
{
    /// <summary>Unsigned 8-bit integer (<see cref="byte"/>).</summary>
    U8 = 1,
    /// <summary>Signed 8-bit integer (<see cref="sbyte"/>).</summary>
    I8,
    /// <summary>Unsigned 16-bit integer (<see cref="ushort"/>).</summary>
    U16,
    /// <summary>Signed 16-bit integer (<see cref="short"/>).</summary>
    I16,
    /// <summary>Unsigned 32-bit integer (<see cref="uint"/>).</summary>
    U32,
    /// <summary>Signed 32-bit integer (<see cref="int"/>).</summary>
    I32,
    /// <summary>Unsigned 64-bit integer (<see cref="ulong"/>).</summary>
    U64,
    /// <summary>Signed 64-bit integer (<see cref="long"/>).</summary>
    I64,
    /// <summary>IEEE 754 half precision (<see cref="Half"/>).</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of an IEEE 754 single; pass as raw bytes or <see cref="ushort"/> storage.</summary>
    BF16,
    /// <summary>IEEE 754 single precision (<see cref="float"/>).</summary>
    F32,
    /// <summary>IEEE 754 double precision (<see cref="double"/>).</summary>
    F64,
}
