using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>Pieces travel as the element bytes themselves, sent from and gathered into the user's buffer (partial sums and owned finals from where they are kept).</summary>
internal sealed class RawWire(Memory<byte> buffer, DataType type, ReduceOp op, int worldSize, ValuesKeptApart? apart = null) : RingWire(buffer, apart)
{
    public override bool SendsFromScratch => false;

    public override bool DecodesIntoScratch => false;

    public override int MaxPayload(int pieceElements) => pieceElements * ReduceKernels.ElementSize(type);

    public override int PayloadLength(PieceRef piece) => piece.Bytes;

    public override ReadOnlyMemory<byte> SendPayload(RingPhase phase, PieceRef piece, Memory<byte> scratch) => Current(phase, piece);

    public override Memory<byte> ReceiveTarget(RingPhase phase, PieceRef piece, Memory<byte> scratch, int payloadLength) =>
        phase == RingPhase.AllGather ? Own(piece) : scratch[..payloadLength];

    public override void Apply(RingPhase phase, PieceRef piece, ReadOnlyMemory<byte> payload, bool ownerFinal, Memory<byte> scratch)
    {
        if (phase == RingPhase.AllGather)
        {
            return;
        }

        var target = ReduceTarget(piece, ownerFinal);
        ReduceKernels.Combine(type, op, Own(piece).Span, payload.Span, target);
        if (ownerFinal && op == ReduceOp.Avg)
        {
            ReduceKernels.FinishAverage(type, target, worldSize);
        }
    }
}
