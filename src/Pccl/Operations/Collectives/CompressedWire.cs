using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Pieces travel losslessly compressed (byte planes + LZ4, raw when that does not shrink them). Decoding gives the
/// exact bytes back, so results are those of the raw wire.
/// </summary>
internal sealed class CompressedWire(Memory<byte> buffer, DataType type, ReduceOp op, int worldSize, ValuesKeptApart? apart = null) : RingWire(buffer, apart)
{
    public override bool FixedLength => false;

    public override int MaxPayload(int pieceElements) => LosslessCodec.MaxEncodedSize(pieceElements * ReduceKernels.ElementSize(type));

    public override int PayloadLength(PieceRef piece) => LosslessCodec.MaxEncodedSize(piece.Bytes);

    public override ReadOnlyMemory<byte> SendPayload(RingPhase phase, PieceRef piece, Memory<byte> scratch)
    {
        var written = LosslessCodec.Encode(type, Current(phase, piece).Span, scratch.Span);
        return scratch[..written];
    }

    public override Memory<byte> ReceiveTarget(RingPhase phase, PieceRef piece, Memory<byte> scratch, int payloadLength) => scratch[..payloadLength];

    public override void Apply(RingPhase phase, PieceRef piece, ReadOnlyMemory<byte> payload, bool ownerFinal, Memory<byte> scratch)
    {
        if (phase == RingPhase.AllGather)
        {
            LosslessCodec.Decode(type, payload.Span, Own(piece).Span);
            return;
        }

        var incoming = scratch.Span[..piece.Bytes];
        LosslessCodec.Decode(type, payload.Span, incoming);
        var target = ReduceTarget(piece, ownerFinal);
        ReduceKernels.Combine(type, op, Own(piece).Span, incoming, target);
        if (ownerFinal && op == ReduceOp.Avg)
        {
            ReduceKernels.FinishAverage(type, target, worldSize);
        }
    }
}
