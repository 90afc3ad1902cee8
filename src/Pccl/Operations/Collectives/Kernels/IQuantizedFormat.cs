namespace Pccl.Operations.Collectives.Kernels;

/// <summary>How one floating-point element type is read as and written from <see cref="double"/>.</summary>
internal interface IQuantizedFormat
{
    static abstract int Size { get; }

    /// <summary>Smallest and largest element; NaN when any element is NaN. Requires at least one element.</summary>
    static abstract (double Min, double Max) Range(ReadOnlySpan<byte> values);

    static abstract double Load(ref byte values, int index);

    /// <summary>Widens <paramref name="values"/> into <paramref name="block"/> (one double per element).</summary>
    static abstract void LoadBlock(ReadOnlySpan<byte> values, Span<double> block);

    /// <summary>Rounds <paramref name="value"/> to the element type (to nearest) and stores it.</summary>
    static abstract void Store(ref byte values, int index, double value);
}
