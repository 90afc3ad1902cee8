namespace Pccl.Operations.Collectives;

/// <summary>
/// What goes on the wire for each piece and what a receiver does with it. Implementations: raw bytes, min-max
/// quantized codes, losslessly compressed bytes. All of them keep results bit-identical on every peer. With
/// <see cref="PartialSums"/> the reduce-scatter's partial sums are kept there and the caller's buffer receives final
/// values only; the reduction order, and so every bit of the result, is the same either way.
/// </summary>
/// <param name="buffer">The caller's buffer.</param>
/// <param name="partials">Where partial sums go instead of the buffer; null: into the buffer.</param>
internal abstract class RingWire(Memory<byte> buffer, PartialSums? partials)
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

    /// <summary>The bytes to send for a piece: a view of the user's buffer or an encoding in <paramref name="scratch"/>.</summary>
    public abstract ReadOnlyMemory<byte> SendPayload(RingPhase phase, PieceRef piece, Memory<byte> scratch);

    /// <summary>Where the receiver reads a piece's payload to: the user's buffer or <paramref name="scratch"/>.</summary>
    public abstract Memory<byte> ReceiveTarget(RingPhase phase, PieceRef piece, Memory<byte> scratch, int payloadLength);

    /// <summary>
    /// Applies a received payload. <paramref name="ownerFinal"/> marks the last reduce-scatter hop, after which this
    /// peer holds the slice's final value and must fix it (average, quantization round trip) before gathering.
    /// </summary>
    public abstract void Apply(RingPhase phase, PieceRef piece, ReadOnlyMemory<byte> payload, bool ownerFinal, Memory<byte> scratch);

    /// <summary>Whether applying a piece writes the caller's buffer: all but a reduce-scatter hop's partial sum kept apart.</summary>
    public bool WritesBuffer(RingPhase phase, bool ownerFinal) => partials is null || phase == RingPhase.AllGather || ownerFinal;

    /// <summary>The caller's buffer's bytes of a piece.</summary>
    protected Memory<byte> Own(PieceRef piece) => buffer.Slice((int)piece.Offset, piece.Bytes);

    /// <summary>A piece's value as <paramref name="phase"/> sends it: its partial sum where one is kept apart, else the buffer's bytes.</summary>
    protected ReadOnlyMemory<byte> Current(RingPhase phase, PieceRef piece) =>
        phase == RingPhase.ReduceScatter && partials?.Of(piece) is { IsEmpty: false } sum ? sum : Own(piece);

    /// <summary>Where a reduce-scatter hop's result goes: the buffer for the owner's final value, else the partial sums kept apart.</summary>
    protected Span<byte> ReduceTarget(PieceRef piece, bool ownerFinal) =>
        !ownerFinal && partials is not null ? partials.Into(piece) : Own(piece).Span;
}
