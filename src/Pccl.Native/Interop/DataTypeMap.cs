using Pccl.Native.Abi;

namespace Pccl.Native.Interop;

/// <summary>Translation of the C API's enums into this library's.</summary>
internal static class DataTypeMap
{
    public static PcclDataType? ToLibrary(NativeDataType type) => type switch
    {
        NativeDataType.Uint8 => PcclDataType.U8,
        NativeDataType.Int8 => PcclDataType.I8,
        NativeDataType.Int16 => PcclDataType.I16,
        NativeDataType.Uint16 => PcclDataType.U16,
        NativeDataType.Uint32 => PcclDataType.U32,
        NativeDataType.Int32 => PcclDataType.I32,
        NativeDataType.Uint64 => PcclDataType.U64,
        NativeDataType.Int64 => PcclDataType.I64,
        NativeDataType.Float16 => PcclDataType.F16,
        NativeDataType.BFloat16 => PcclDataType.BF16,
        NativeDataType.Float => PcclDataType.F32,
        NativeDataType.Double => PcclDataType.F64,
        _ => null,
    };

    public static int ElementSize(NativeDataType type) => type switch
    {
        NativeDataType.Uint8 or NativeDataType.Int8 => 1,
        NativeDataType.Int16 or NativeDataType.Uint16 or NativeDataType.Float16 or NativeDataType.BFloat16 => 2,
        NativeDataType.Uint32 or NativeDataType.Int32 or NativeDataType.Float => 4,
        _ => 8,
    };

    public static ReduceOperation? ToLibrary(NativeRedOp op) => op switch
    {
        NativeRedOp.Sum => ReduceOperation.Sum,
        NativeRedOp.Avg => ReduceOperation.Avg,
        NativeRedOp.Prod => ReduceOperation.Prod,
        NativeRedOp.Max => ReduceOperation.Max,
        NativeRedOp.Min => ReduceOperation.Min,
        _ => null,
    };

    /// <summary>Min-max to u8 or u16 is this library's quantization; any other pair is refused, never ignored.</summary>
    public static QuantizationMode? ToLibrary(QuantizationOptions quantization) => (quantization.Algorithm, quantization.QuantizedDataType) switch
    {
        (NativeQuantizationAlgorithm.None, _) => QuantizationMode.None,
        (NativeQuantizationAlgorithm.MinMax, NativeDataType.Uint8) => QuantizationMode.MinMaxU8,
        (NativeQuantizationAlgorithm.MinMax, NativeDataType.Uint16) => QuantizationMode.MinMaxU16,
        _ => null,
    };

    public static SharedStateSyncStrategy? ToLibrary(int strategy) =>
        strategy is >= 0 and <= 2 ? (SharedStateSyncStrategy)strategy : null;
}
