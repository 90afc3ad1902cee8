using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Pieces travel as min-max codes. Partial sums are quantized at every reduce-scatter hop; the slice owner replaces
/// its final value with dequantize(quantize(x)) and sends those codes, which every other peer decodes and forwards
/// unchanged, so all peers hold the same bits.
/// </summary>
internal sealed class QuantizedWire(
    Memory<byte> buffer, DataType type, ReduceOp op, Quantization quantization, int worldSize, RingLayout layout, Memory<byte> gatherStore, ValuesKeptApart? apart = null)
    : RingWire(buffer, apart)
{
    public static int GatherStoreBytes(DataType type, Quantization quantization, RingLayout layout) =>
        layout.TotalPieces * MinMaxQuantizer.EncodedSize(type, quantization, layout.PieceElements);

    private int Stride => MinMaxQuantizer.EncodedSize(type, quantization, layout.PieceElements);

    public override int MaxPayload(int pieceElements) => MinMaxQuantizer.EncodedSize(type, quantization, pieceElements);

    public override int PayloadLength(PieceRef piece) => MinMaxQuantizer.EncodedSize(type, quantization, piece.Elements);

    public override ReadOnlyMemory<byte> SendPayload(RingPhase phase, PieceRef piece, Memory<byte> scratch)
    {
        if (phase == RingPhase.AllGather)
        {
            return Slot(piece);
        }

        var encoded = scratch[..PayloadLength(piece)];
        MinMaxQuantizer.Quantize(type, quantization, Current(phase, piece).Span, encoded.Span);
        return encoded;
    }

    public override Memory<byte> ReceiveTarget(RingPhase phase, PieceRef piece, Memory<byte> scratch, int payloadLength) =>
        phase == RingPhase.AllGather ? Slot(piece) : scratch[..payloadLength];

    public override void Apply(RingPhase phase, PieceRef piece, ReadOnlyMemory<byte> payload, bool ownerFinal, Memory<byte> scratch)
    {
        var own = Own(piece).Span;
        if (phase == RingPhase.AllGather)
        {
            MinMaxQuantizer.Dequantize(type, quantization, payload.Span, own);
            return;
        }

        var target = ReduceTarget(piece, ownerFinal);
        MinMaxQuantizer.DequantizeCombine(type, quantization, op, own, payload.Span, target);
        if (!ownerFinal)
        {
            return;
        }

        if (op == ReduceOp.Avg)
        {
            ReduceKernels.FinishAverage(type, target, worldSize);
        }

        var slot = Slot(piece).Span;
        MinMaxQuantizer.Quantize(type, quantization, target, slot);
        MinMaxQuantizer.Dequantize(type, quantization, slot, target);
    }

    private Memory<byte> Slot(PieceRef piece) => gatherStore.Slice(piece.Index * Stride, PayloadLength(piece));
}
