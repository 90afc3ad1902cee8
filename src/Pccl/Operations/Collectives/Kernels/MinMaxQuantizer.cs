using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>
/// Min-max quantization of one piece of floating-point data (F32, F64, F16, Bf16) to 8- or 16-bit codes.
/// </summary>
/// <remarks>
/// <para>Encoded layout (little-endian): <c>[min: float64][max: float64][code 0]...[code n-1]</c>, where each
/// code is one byte (<see cref="Quantization.MinMaxU8"/>) or a uint16 (<see cref="Quantization.MinMaxU16"/>).
/// min and max are the exact extremes of the piece (every source type widens exactly to double).</para>
/// <para>With L = 2^bits - 1 and s = (max - min) / L, element x gets code round((x - min) / s) (ties to even) and decodes
/// to min + code * s, rounded to the element type. Hence |x - decode(x)| &lt;= (max - min) / (2L), plus one
/// rounding of the element type (and a few double ulps).</para>
/// <para>Special cases, all decided from the header alone: when min == max (a constant piece, including a
/// piece of one infinity) every element decodes exactly to min. When the range is otherwise not finite
/// (a NaN anywhere, or an infinity next to other values) every element decodes to NaN, so a diverged
/// value is never hidden as a plausible number.</para>
/// <para>All arithmetic is plain IEEE double arithmetic on the input bits, so encoding and decoding give the
/// same bits on every call and every machine.</para>
/// </remarks>
internal static class MinMaxQuantizer
{
    /// <summary>Bytes of the header that precedes the codes: min and max as float64.</summary>
    public const int HeaderSize = 2 * sizeof(double);

    /// <summary>Elements decoded per stack block in <see cref="DequantizeCombine"/> (8 KiB for F64).</summary>
    private const int BlockElements = 1024;

    /// <summary>1.5 * 2^52: for 0 &lt;= x &lt; 2^51, x + RoundingBias has round(x) in its low 32 bits.</summary>
    private const double RoundingBias = 6755399441055744.0;

    /// <summary>True when <paramref name="type"/> can be quantized with <paramref name="quantization"/>.</summary>
    public static bool IsSupported(DataType type, Quantization quantization) =>
        type is DataType.F32 or DataType.F64 or DataType.F16 or DataType.Bf16
        && quantization is Quantization.MinMaxU8 or Quantization.MinMaxU16;

    /// <summary>Bytes that <see cref="Quantize"/> writes for <paramref name="elementCount"/> elements.</summary>
    public static int EncodedSize(DataType type, Quantization quantization, int elementCount)
    {
        RequireSupported(type, quantization);
        ArgumentOutOfRangeException.ThrowIfNegative(elementCount);
        return checked(HeaderSize + (elementCount * CodeBytes(quantization)));
    }

    /// <summary>Encodes <paramref name="values"/>; <paramref name="encoded"/> must hold at least <see cref="EncodedSize"/> bytes.</summary>
    public static void Quantize(DataType type, Quantization quantization, ReadOnlySpan<byte> values, Span<byte> encoded)
    {
        int count = ElementCount(type, quantization, values.Length);
        int size = EncodedSize(type, quantization, count);
        if (encoded.Length < size)
        {
            throw new ArgumentException($"Encoded buffer holds {encoded.Length} bytes but {count} elements need {size}; size it with EncodedSize.", nameof(encoded));
        }
        switch (type, quantization)
        {
            case (DataType.F32, Quantization.MinMaxU8): Encode<SingleFormat, ByteCodes>(values, encoded); break;
            case (DataType.F32, _): Encode<SingleFormat, UInt16Codes>(values, encoded); break;
            case (DataType.F64, Quantization.MinMaxU8): Encode<DoubleFormat, ByteCodes>(values, encoded); break;
            case (DataType.F64, _): Encode<DoubleFormat, UInt16Codes>(values, encoded); break;
            case (DataType.F16, Quantization.MinMaxU8): Encode<HalfFormat, ByteCodes>(values, encoded); break;
            case (DataType.F16, _): Encode<HalfFormat, UInt16Codes>(values, encoded); break;
            case (DataType.Bf16, Quantization.MinMaxU8): Encode<BFloat16Format, ByteCodes>(values, encoded); break;
            default: Encode<BFloat16Format, UInt16Codes>(values, encoded); break;
        }
    }

    /// <summary>Decodes into <paramref name="values"/>; <paramref name="encoded"/> must be exactly <see cref="EncodedSize"/> bytes for that many elements.</summary>
    public static void Dequantize(DataType type, Quantization quantization, ReadOnlySpan<byte> encoded, Span<byte> values)
    {
        int count = ElementCount(type, quantization, values.Length);
        RequireEncodedLength(type, quantization, encoded, count);
        switch (type, quantization)
        {
            case (DataType.F32, Quantization.MinMaxU8): Decode<SingleFormat, ByteCodes>(encoded, values, 0, count); break;
            case (DataType.F32, _): Decode<SingleFormat, UInt16Codes>(encoded, values, 0, count); break;
            case (DataType.F64, Quantization.MinMaxU8): Decode<DoubleFormat, ByteCodes>(encoded, values, 0, count); break;
            case (DataType.F64, _): Decode<DoubleFormat, UInt16Codes>(encoded, values, 0, count); break;
            case (DataType.F16, Quantization.MinMaxU8): Decode<HalfFormat, ByteCodes>(encoded, values, 0, count); break;
            case (DataType.F16, _): Decode<HalfFormat, UInt16Codes>(encoded, values, 0, count); break;
            case (DataType.Bf16, Quantization.MinMaxU8): Decode<BFloat16Format, ByteCodes>(encoded, values, 0, count); break;
            default: Decode<BFloat16Format, UInt16Codes>(encoded, values, 0, count); break;
        }
    }

    /// <summary>
    /// <c>destination = op(a, Dequantize(encoded))</c> in stack-sized blocks, without allocating; bit-identical to
    /// <see cref="Dequantize"/> followed by <see cref="ReduceKernels.Combine"/>. <paramref name="destination"/> may be
    /// <paramref name="a"/> itself.
    /// </summary>
    public static void DequantizeCombine(DataType type, Quantization quantization, ReduceOp op, ReadOnlySpan<byte> a, ReadOnlySpan<byte> encoded, Span<byte> destination)
    {
        int count = ElementCount(type, quantization, a.Length);
        RequireEncodedLength(type, quantization, encoded, count);
        int size = ReduceKernels.ElementSize(type);
        Span<byte> block = stackalloc byte[BlockElements * sizeof(double)];
        for (int first = 0; first < count; first += BlockElements)
        {
            int n = Math.Min(BlockElements, count - first);
            Span<byte> decoded = block[..(n * size)];
            switch (type, quantization)
            {
                case (DataType.F32, Quantization.MinMaxU8): Decode<SingleFormat, ByteCodes>(encoded, decoded, first, n); break;
                case (DataType.F32, _): Decode<SingleFormat, UInt16Codes>(encoded, decoded, first, n); break;
                case (DataType.F64, Quantization.MinMaxU8): Decode<DoubleFormat, ByteCodes>(encoded, decoded, first, n); break;
                case (DataType.F64, _): Decode<DoubleFormat, UInt16Codes>(encoded, decoded, first, n); break;
                case (DataType.F16, Quantization.MinMaxU8): Decode<HalfFormat, ByteCodes>(encoded, decoded, first, n); break;
                case (DataType.F16, _): Decode<HalfFormat, UInt16Codes>(encoded, decoded, first, n); break;
                case (DataType.Bf16, Quantization.MinMaxU8): Decode<BFloat16Format, ByteCodes>(encoded, decoded, first, n); break;
                default: Decode<BFloat16Format, UInt16Codes>(encoded, decoded, first, n); break;
            }
            ReduceKernels.Combine(type, op, a.Slice(first * size, n * size), decoded, destination.Slice(first * size, n * size));
        }
    }

    private static int CodeBytes(Quantization quantization) => quantization == Quantization.MinMaxU8 ? 1 : 2;

    private static void RequireSupported(DataType type, Quantization quantization)
    {
        if (!IsSupported(type, quantization))
        {
            throw new ArgumentException(
                $"Min-max quantization {quantization} does not apply to {type}; quantize only F32, F64, F16 or Bf16 with MinMaxU8 or MinMaxU16.");
        }
    }

    private static int ElementCount(DataType type, Quantization quantization, int byteLength)
    {
        RequireSupported(type, quantization);
        int size = ReduceKernels.ElementSize(type);
        ReduceKernels.RequireWholeElements(type, byteLength, size, "values");
        return byteLength / size;
    }

    private static void RequireEncodedLength(DataType type, Quantization quantization, ReadOnlySpan<byte> encoded, int count)
    {
        int expected = EncodedSize(type, quantization, count);
        if (encoded.Length != expected)
        {
            throw new ArgumentException($"Encoded piece has {encoded.Length} bytes but {count} {type} elements with {quantization} take {expected}.", nameof(encoded));
        }
    }

    /// <summary>
    /// Scaling shared by encoder and decoder. <c>Shrink</c> is 1, or 0.5 when max - min overflows double, so
    /// that every intermediate stays finite; both are powers of two, so the scaling itself is exact.
    /// </summary>
    private readonly record struct Scale(double Min, double Max, double Shrink, double Step)
    {
        public static Scale From(double min, double max, uint levels)
        {
            double shrink = double.IsFinite(max - min) ? 1.0 : 0.5;
            return new Scale(min, max, shrink, ((max * shrink) - (min * shrink)) / levels);
        }

        public bool IsConstant => Min == Max;

        public bool IsFinite => double.IsFinite(Min) && double.IsFinite(Max);
    }

    // Called a few times per piece on large spans: compile optimized at once rather than tier up via OSR.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Encode<TFormat, TCodes>(ReadOnlySpan<byte> values, Span<byte> encoded)
        where TFormat : IQuantizedFormat
        where TCodes : ICodeWidth
    {
        int count = values.Length / TFormat.Size;
        (double min, double max) = count == 0 ? (0.0, 0.0) : TFormat.Range(values);
        BinaryPrimitives.WriteDoubleLittleEndian(encoded, min);
        BinaryPrimitives.WriteDoubleLittleEndian(encoded[sizeof(double)..], max);
        Span<byte> codes = encoded.Slice(HeaderSize, count * TCodes.Bytes);
        Scale scale = Scale.From(min, max, TCodes.Levels);
        if (scale.IsConstant || !scale.IsFinite)
        {
            codes.Clear();
            return;
        }
        double offset = scale.Min * scale.Shrink;
        double inverse = TCodes.Levels / ((scale.Max * scale.Shrink) - offset);
        double shrink = scale.Shrink;
        uint levels = TCodes.Levels;
        ref byte dst = ref MemoryMarshal.GetReference(codes);
        Span<double> block = stackalloc double[BlockElements];
        for (int first = 0; first < count; first += BlockElements)
        {
            int n = Math.Min(BlockElements, count - first);
            Span<double> x = block[..n];
            TFormat.LoadBlock(values.Slice(first * TFormat.Size, n * TFormat.Size), x);
            for (int i = 0; i < x.Length; i++)
            {
                double position = ((x[i] * shrink) - offset) * inverse;
                // Adding 1.5 * 2^52 leaves round(position) (ties to even) in the low mantissa bits: cheaper than a
                // double-to-integer conversion, and exact IEEE arithmetic, so identical everywhere.
                uint code = (uint)BitConverter.DoubleToInt64Bits(position + RoundingBias);
                TCodes.Store(ref dst, first + i, Math.Min(code, levels));
            }
        }
    }

    /// <summary>Decodes elements [first, first + count) of <paramref name="encoded"/> into <paramref name="values"/> (count elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Decode<TFormat, TCodes>(ReadOnlySpan<byte> encoded, Span<byte> values, int first, int count)
        where TFormat : IQuantizedFormat
        where TCodes : ICodeWidth
    {
        double min = BinaryPrimitives.ReadDoubleLittleEndian(encoded);
        double max = BinaryPrimitives.ReadDoubleLittleEndian(encoded[sizeof(double)..]);
        Scale scale = Scale.From(min, max, TCodes.Levels);
        ref byte dst = ref MemoryMarshal.GetReference(values);
        if (scale.IsConstant || !scale.IsFinite)
        {
            double constant = scale.IsConstant ? min : double.NaN;
            for (int i = 0; i < count; i++)
            {
                TFormat.Store(ref dst, i, constant);
            }
            return;
        }
        double offset = scale.Min * scale.Shrink;
        double step = scale.Step;
        double unscale = 1.0 / scale.Shrink;
        ref byte src = ref MemoryMarshal.GetReference(encoded.Slice(HeaderSize + (first * TCodes.Bytes), count * TCodes.Bytes));
        for (int i = 0; i < count; i++)
        {
            TFormat.Store(ref dst, i, (offset + (TCodes.Load(ref src, i) * step)) * unscale);
        }
    }
}
