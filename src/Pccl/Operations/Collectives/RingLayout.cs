namespace Pccl.Operations.Collectives;

/// <summary>
/// How a buffer is cut for a ring of <c>n</c> ranks: one slice per rank (sizes differ by at most one element) and
/// each slice into pieces. Every peer computes the same layout from the same inputs (the master checks that they
/// agree on the chunk size).
/// </summary>
/// <remarks>
/// A piece is at most the chunk size (<c>performance.ring_chunk_size</c>), but a slice is cut into at least
/// <see cref="PiecesPerSlice"/> pieces of at least <see cref="MinPieceBytes"/>: a hop forwards a piece only once it
/// has all of it, so a slice sent as one piece is stored and forwarded whole at every hop and its reduction overlaps
/// nothing. Pieces below 1 MiB gained nothing measurable and cost a wake-up each (docs/performance.md, "Tried and
/// rejected").
/// </remarks>
internal sealed class RingLayout
{
    public const int PiecesPerSlice = 4;
    public const int MinPieceBytes = 1 << 20;

    private readonly long[] _sliceStart;
    private readonly int[] _firstPiece;

    public RingLayout(long elementCount, int elementSize, int worldSize, int chunkBytes)
    {
        ElementSize = elementSize;
        WorldSize = worldSize;
        PieceElements = PieceElementsFor(elementCount, elementSize, worldSize, chunkBytes);
        LimitedByChunkSize = PieceElementsFor(elementCount, elementSize, worldSize, int.MaxValue) > PieceElements;
        _sliceStart = new long[worldSize + 1];
        _firstPiece = new int[worldSize + 1];
        var baseCount = elementCount / worldSize;
        var remainder = elementCount % worldSize;
        for (var k = 0; k < worldSize; k++)
        {
            var count = baseCount + (k < remainder ? 1 : 0);
            _sliceStart[k + 1] = _sliceStart[k] + count;
            _firstPiece[k + 1] = _firstPiece[k] + (int)((count + PieceElements - 1) / PieceElements);
        }
    }

    private static int PieceElementsFor(long elementCount, int elementSize, int worldSize, int chunkBytes)
    {
        var maxPiece = Math.Max(1, chunkBytes / elementSize);
        var minPiece = Math.Max(1, MinPieceBytes / elementSize);
        var largestSlice = (elementCount + worldSize - 1) / worldSize;
        var pipelined = (largestSlice + PiecesPerSlice - 1) / PiecesPerSlice;
        return (int)Math.Min(maxPiece, Math.Max(minPiece, pipelined));
    }

    public int ElementSize { get; }
    public int WorldSize { get; }
    public int PieceElements { get; }
    public int PieceBytes => PieceElements * ElementSize;

    /// <summary>Whether <c>performance.ring_chunk_size</c> made the pieces smaller than the slices alone would have.</summary>
    public bool LimitedByChunkSize { get; }
    public int TotalPieces => _firstPiece[WorldSize];

    public int PieceCount(int slice) => _firstPiece[slice + 1] - _firstPiece[slice];

    public long SliceBytes(int slice) => (_sliceStart[slice + 1] - _sliceStart[slice]) * ElementSize;

    /// <summary>A piece of a slice: its index across the whole buffer and its byte range.</summary>
    public PieceRef Piece(int slice, int piece)
    {
        var firstElement = _sliceStart[slice] + ((long)piece * PieceElements);
        var elements = (int)Math.Min(PieceElements, _sliceStart[slice + 1] - firstElement);
        return new PieceRef(_firstPiece[slice] + piece, firstElement * ElementSize, elements, elements * ElementSize);
    }

    /// <summary>The piece with index <paramref name="pieceIndex"/> across the buffer and its slice; null when there is none.</summary>
    public (int Slice, PieceRef Piece)? PieceAt(long pieceIndex)
    {
        if (pieceIndex < 0 || pieceIndex >= TotalPieces)
        {
            return null;
        }

        var slice = 0;
        while (_firstPiece[slice + 1] <= pieceIndex)
        {
            slice++;
        }

        return (slice, Piece(slice, (int)pieceIndex - _firstPiece[slice]));
    }

    public int Mod(int value) => ((value % WorldSize) + WorldSize) % WorldSize;
}
