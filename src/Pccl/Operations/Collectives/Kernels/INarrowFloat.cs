namespace Pccl.Operations.Collectives.Kernels;

/// <summary>
/// Widens 16-bit floats (Half, BFloat16) stored as raw bytes to <see cref="float"/> and narrows them back
/// with round-to-nearest-even. Kernels for these types work in float blocks: for +, -, *, / the float
/// result narrowed once is the correctly rounded 16-bit result (float has at least 2p+2 mantissa bits),
/// so the outcome is the same bits on every machine.
/// </summary>
internal interface INarrowFloat
{
    static abstract void Widen(ReadOnlySpan<byte> source, Span<float> destination);

    static abstract void Narrow(ReadOnlySpan<float> source, Span<byte> destination);
}
