using Pccl.Protocol.Messages;

namespace Pccl.Protocol.Codec;

/// <summary>
/// The one place where the shared vocabulary's enums (<see cref="PcclDataType"/>, <see cref="ReduceOperation"/>, ...)
/// meet their wire twins. Every member is mapped by name, never cast through <see cref="int"/>, so a value added on
/// one side only is refused with a clear error instead of travelling as something else.
/// </summary>
internal static class WireEnums
{
    /// <summary>The wire enum for a data type.</summary>
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
        _ => throw PcclDataTypes.Unknown(type),
    };

    /// <summary>The data type a wire value names; refuses <see cref="DataType.Unspecified"/> and unknown values.</summary>
    public static PcclDataType FromWire(this DataType type) => type switch
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

    /// <summary>The wire enum for a reduce operation.</summary>
    public static ReduceOp ToWire(this ReduceOperation op) => op switch
    {
        ReduceOperation.Sum => ReduceOp.Sum,
        ReduceOperation.Avg => ReduceOp.Avg,
        ReduceOperation.Prod => ReduceOp.Prod,
        ReduceOperation.Max => ReduceOp.Max,
        ReduceOperation.Min => ReduceOp.Min,
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"unknown reduce operation {op}"),
    };

    /// <summary>The wire enum for a quantization mode.</summary>
    public static Quantization ToWire(this QuantizationMode mode) => mode switch
    {
        QuantizationMode.None => Quantization.None,
        QuantizationMode.MinMaxU8 => Quantization.MinMaxU8,
        QuantizationMode.MinMaxU16 => Quantization.MinMaxU16,
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"unknown quantization {mode}"),
    };

    /// <summary>The wire enum for an all-reduce algorithm.</summary>
    public static CollectiveAlgorithm ToWire(this AllReduceAlgorithm algorithm) => algorithm switch
    {
        AllReduceAlgorithm.Auto => CollectiveAlgorithm.Auto,
        AllReduceAlgorithm.Ring => CollectiveAlgorithm.Ring,
        AllReduceAlgorithm.HalvingDoubling => CollectiveAlgorithm.HalvingDoubling,
        AllReduceAlgorithm.Hierarchical => CollectiveAlgorithm.Hierarchical,
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"unknown all-reduce algorithm {algorithm}"),
    };

    /// <summary>The wire enum for a shared-state strategy.</summary>
    public static SharedStateStrategy ToWire(this SharedStateSyncStrategy strategy) => strategy switch
    {
        SharedStateSyncStrategy.EnforcePopular => SharedStateStrategy.EnforcePopular,
        SharedStateSyncStrategy.ReceiveOnly => SharedStateStrategy.ReceiveOnly,
        SharedStateSyncStrategy.SendOnly => SharedStateStrategy.SendOnly,
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"shared-state strategy {(int)strategy} is not a SharedStateSyncStrategy member"),
    };

    /// <summary>The strategy a wire value names, or null for a value this side does not know.</summary>
    public static SharedStateSyncStrategy? FromWire(this SharedStateStrategy strategy) => strategy switch
    {
        SharedStateStrategy.EnforcePopular => SharedStateSyncStrategy.EnforcePopular,
        SharedStateStrategy.ReceiveOnly => SharedStateSyncStrategy.ReceiveOnly,
        SharedStateStrategy.SendOnly => SharedStateSyncStrategy.SendOnly,
        _ => null,
    };
}
