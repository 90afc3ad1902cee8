namespace Pccl.Operations.Collectives;

/// <summary>
/// How a buffer is cut for a ring of <c>n</c> ranks: one slice per rank (sizes differ by at most one element) and
/// each slice into pieces of at most the chunk size. Every peer computes the same layout from the same inputs.
/// </summary>
internal sealed class RingLayout
{
    private readonly long[] _sliceStart;
    private readonly int[] _firstPiece;

    public RingLayout(long elementCount, int elementSize, int worldSize, int chunkBytes)
    {
        ElementSize = elementSize;
        WorldSize = worldSize;
        PieceElements = Math.Max(1, chunkBytes / elementSize);
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

    public int ElementSize { get; }
    public int WorldSize { get; }
    public int PieceElements { get; }
    public int PieceBytes => PieceElements * ElementSize;
    public int TotalPieces => _firstPiece[WorldSize];

    public int PieceCount(int slice) => _firstPiece[slice + 1] - _firstPiece[slice];

    /// <summary>A piece of a slice: its index across the whole buffer and its byte range.</summary>
    public PieceRef Piece(int slice, int piece)
    {
        var firstElement = _sliceStart[slice] + ((long)piece * PieceElements);
        var elements = (int)Math.Min(PieceElements, _sliceStart[slice + 1] - firstElement);
        return new PieceRef(_firstPiece[slice] + piece, firstElement * ElementSize, elements, elements * ElementSize);
    }

    public int Mod(int value) => ((value % WorldSize) + WorldSize) % WorldSize;
}

/// <summary>One piece: its index across the buffer, its byte offset and length, and its element count.</summary>
internal readonly record struct PieceRef(int Index, long Offset, int Elements, int Bytes);
