using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>Maps element types and public enums onto the wire's.</summary>
internal static class DataTypes
{
    public static DataType Of<T>() where T : unmanaged =>
        PcclDataTypes.Of<T>()?.ToWire() ?? throw new PcclException(PcclErrorCode.InvalidArgument,
            $"{typeof(T).Name} is not a supported element type (u8..u64, i8..i64, Half, BFloat16, float, double)");

    public static ReduceOp ToWire(this ReduceOperation op) => op switch
    {
        ReduceOperation.Sum => ReduceOp.Sum,
        ReduceOperation.Avg => ReduceOp.Avg,
        ReduceOperation.Prod => ReduceOp.Prod,
        ReduceOperation.Max => ReduceOp.Max,
        ReduceOperation.Min => ReduceOp.Min,
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"unknown reduce operation {op}"),
    };

    public static Quantization ToWire(this QuantizationMode mode) => mode switch
    {
        QuantizationMode.None => Quantization.None,
        QuantizationMode.MinMaxU8 => Quantization.MinMaxU8,
        QuantizationMode.MinMaxU16 => Quantization.MinMaxU16,
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"unknown quantization {mode}"),
    };

    public static Protocol.Messages.AllReduceAlgorithm ToWire(this AllReduceAlgorithm algorithm) => algorithm switch
    {
        AllReduceAlgorithm.Auto => Protocol.Messages.AllReduceAlgorithm.Auto,
        AllReduceAlgorithm.Ring => Protocol.Messages.AllReduceAlgorithm.Ring,
        AllReduceAlgorithm.HalvingDoubling => Protocol.Messages.AllReduceAlgorithm.HalvingDoubling,
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"unknown all-reduce algorithm {algorithm}"),
    };
}
