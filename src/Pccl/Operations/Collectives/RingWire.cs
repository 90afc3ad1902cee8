namespace Pccl.Operations.Collectives;

/// <summary>
/// What goes on the wire for each piece and what a receiver does with it. Implementations: raw bytes, min-max
/// quantized codes, losslessly compressed bytes. All of them keep results bit-identical on every peer. With
/// <see cref="ValuesKeptApart"/> the reduce-scatter's partial sums and the owned slice's final value are kept there,
/// and during the schedule the caller's buffer receives only the all-gather's final values; the reduction order, and
/// so every bit of the result, is the same either way.
/// </summary>
/// <param name="buffer">The caller's buffer.</param>
/// <param name="apart">Where partial sums and owned finals go instead of the buffer; null: into the buffer.</param>
internal abstract class RingWire(Memory<byte> buffer, ValuesKeptApart? apart)
{
    /// <summary>Largest payload a piece of <paramref name="pieceElements"/> elements can have on the wire.</summary>
    public abstract int MaxPayload(int pieceElements);

    /// <summary>Whether the payload length is exactly known in advance (else the header's length is trusted up to the max).</summary>
    public virtual bool FixedLength => true;

    /// <summary>Whether a piece is encoded into send scratch before it is written; false when it is sent from the buffer itself.</summary>
    public virtual bool SendsFromScratch => true;

    /// <summary>Whether <see cref="Apply"/> decodes into its scratch; false when it reads the payload where it was received.</summary>
    public virtual bool DecodesIntoScratch => true;

    /// <summary>Expected payload length of a piece when <see cref="FixedLength"/>.</summary>
    public abstract int PayloadLength(PieceRef piece);

    /// <summary>The bytes to send for a piece: a view of the user's buffer or of the value kept apart for it, or an encoding in <paramref name="scratch"/>.</summary>
    public abstract ReadOnlyMemory<byte> SendPayload(RingPhase phase, PieceRef piece, Memory<byte> scratch);

    /// <summary>Where the receiver reads a piece's payload to: the user's buffer or <paramref name="scratch"/>.</summary>
    public abstract Memory<byte> ReceiveTarget(RingPhase phase, PieceRef piece, Memory<byte> scratch, int payloadLength);

    /// <summary>
    /// Applies a received payload. <paramref name="ownerFinal"/> marks the last reduce-scatter hop, after which this
    /// peer holds the slice's final value and must fix it (average, quantization round trip) before gathering.
    /// </summary>
    public abstract void Apply(RingPhase phase, PieceRef piece, ReadOnlyMemory<byte> payload, bool ownerFinal, Memory<byte> scratch);

    /// <summary>Whether applying a piece writes the caller's buffer: the all-gather's, and every piece when nothing is kept apart.</summary>
    public bool WritesBuffer(RingPhase phase) => apart is null || phase == RingPhase.AllGather;

    /// <summary>The caller's buffer's bytes of a piece.</summary>
    protected Memory<byte> Own(PieceRef piece) => buffer.Slice((int)piece.Offset, piece.Bytes);

    /// <summary>A piece's value as <paramref name="phase"/> sends it: what is kept apart for it (its partial sum, the owned final), else the buffer's bytes.</summary>
    protected ReadOnlyMemory<byte> Current(RingPhase phase, PieceRef piece) =>
        apart?.Of(phase, piece) is { IsEmpty: false } kept ? kept : Own(piece);

    /// <summary>Where a reduce-scatter hop's result goes: the slot kept apart for it (a partial sum, or the owner's final value), else the buffer.</summary>
    protected Span<byte> ReduceTarget(PieceRef piece, bool ownerFinal) =>
        apart is not null ? apart.Into(piece, ownerFinal) : Own(piece).Span;
}
