using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>
/// Element-wise reductions over raw byte buffers of one <see cref="DataType"/>.
/// </summary>
/// <remarks>
/// <para>Results are a pure function of the input bits, so every peer computes the same bits:</para>
/// <list type="bullet">
/// <item>Integer sum and product wrap (two's complement); <see cref="ReduceOp.Avg"/> accumulates as a
/// sum and <see cref="FinishAverage"/> divides with truncation toward zero.</item>
/// <item>Floating-point ops are single IEEE operations per element (no fused multiply-add, no
/// reassociation). Half and BFloat16 are computed in float and rounded once to nearest even, which
/// equals the correctly rounded 16-bit result.</item>
/// <item>Max and Min follow IEEE 754:2019 maximum/minimum (TensorPrimitives.Max/Min): a NaN operand
/// makes the result NaN, and +0 counts as greater than -0. Which NaN payload survives when both
/// operands are NaN is not specified; any NaN result stays a NaN.</item>
/// </list>
/// </remarks>
internal static class ReduceKernels
{
    /// <summary>Float elements per stack block when Half/BFloat16 are widened (two blocks: 8 KiB of stack).</summary>
    private const int BlockElements = 1024;

    /// <summary>
    /// Largest span, in bytes, handed to one TensorPrimitives call. Above 256 KiB TensorPrimitives writes with
    /// non-temporal stores, which push the result out to DRAM: the ring reads the accumulated piece again at
    /// once (to send it, or to add the next piece), so pieces of 1-4 MiB accumulated well below memcpy speed.
    /// Calls of at most this size keep the stores cached; the per-element operations are unchanged.
    /// </summary>
    private const int CachedStoreBytes = 256 * 1024;

    /// <summary>Size in bytes of one element of <paramref name="type"/>.</summary>
    public static int ElementSize(DataType type) => type switch
    {
        DataType.U8 or DataType.I8 => 1,
        DataType.U16 or DataType.I16 or DataType.F16 or DataType.Bf16 => 2,
        DataType.U32 or DataType.I32 or DataType.F32 => 4,
        DataType.U64 or DataType.I64 or DataType.F64 => 8,
        _ => throw new ArgumentException($"Data type {type} has no element size; pass one of U8..F64.", nameof(type)),
    };

    /// <summary><c>acc[i] = op(acc[i], incoming[i])</c>; <see cref="ReduceOp.Avg"/> accumulates as a sum.</summary>
    public static void Accumulate(DataType type, ReduceOp op, Span<byte> acc, ReadOnlySpan<byte> incoming) =>
        Combine(type, op, acc, incoming, acc);

    /// <summary>
    /// <c>destination[i] = op(a[i], b[i])</c>. <paramref name="destination"/> may be the same memory as
    /// <paramref name="a"/> or <paramref name="b"/> but must not partially overlap either.
    /// </summary>
    public static void Combine(DataType type, ReduceOp op, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        int size = ElementSize(type);
        if (a.Length != b.Length || a.Length != destination.Length)
        {
            throw new ArgumentException(
                $"Reduction operands differ in length ({a.Length}, {b.Length}, destination {destination.Length} bytes); pass equal-length pieces.");
        }
        RequireWholeElements(type, a.Length, size, nameof(a));
        RequireNoPartialOverlap(a, destination, nameof(a));
        RequireNoPartialOverlap(b, destination, nameof(b));

        switch (type)
        {
            case DataType.U8: Apply<byte>(op, a, b, destination); break;
            case DataType.I8: Apply<sbyte>(op, a, b, destination); break;
            case DataType.U16: Apply<ushort>(op, a, b, destination); break;
            case DataType.I16: Apply<short>(op, a, b, destination); break;
            case DataType.U32: Apply<uint>(op, a, b, destination); break;
            case DataType.I32: Apply<int>(op, a, b, destination); break;
            case DataType.U64: Apply<ulong>(op, a, b, destination); break;
            case DataType.I64: Apply<long>(op, a, b, destination); break;
            case DataType.F32: Apply<float>(op, a, b, destination); break;
            case DataType.F64: Apply<double>(op, a, b, destination); break;
            case DataType.F16: ApplyNarrow<HalfFloat>(op, a, b, destination); break;
            case DataType.Bf16 when op is ReduceOp.Sum or ReduceOp.Avg or ReduceOp.Prod:
                BrainFloat.AddOrMultiply(op == ReduceOp.Prod, a, b, destination);
                break;
            case DataType.Bf16: ApplyNarrow<BrainFloat>(op, a, b, destination); break;
            default: throw new ArgumentException($"Data type {type} cannot be reduced.", nameof(type));
        }
    }

    /// <summary>Divides every element by <paramref name="worldSize"/> (integers truncate toward zero).</summary>
    public static void FinishAverage(DataType type, Span<byte> data, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        int size = ElementSize(type);
        RequireWholeElements(type, data.Length, size, nameof(data));
        switch (type)
        {
            case DataType.U8: DivideInteger<byte>(data, worldSize); break;
            case DataType.I8: DivideInteger<sbyte>(data, worldSize); break;
            case DataType.U16: DivideInteger<ushort>(data, worldSize); break;
            case DataType.I16: DivideInteger<short>(data, worldSize); break;
            case DataType.U32: DivideInteger<uint>(data, worldSize); break;
            case DataType.I32: DivideInteger<int>(data, worldSize); break;
            case DataType.U64: DivideInteger<ulong>(data, worldSize); break;
            case DataType.I64: DivideInteger<long>(data, worldSize); break;
            case DataType.F32:
                Span<float> f = MemoryMarshal.Cast<byte, float>(data);
                TensorPrimitives.Divide(f, (float)worldSize, f);
                break;
            case DataType.F64:
                Span<double> d = MemoryMarshal.Cast<byte, double>(data);
                TensorPrimitives.Divide(d, (double)worldSize, d);
                break;
            case DataType.F16: DivideNarrow<HalfFloat>(data, worldSize); break;
            case DataType.Bf16: DivideNarrow<BrainFloat>(data, worldSize); break;
            default: throw new ArgumentException($"Data type {type} cannot be averaged.", nameof(type));
        }
    }

    internal static void RequireWholeElements(DataType type, int length, int elementSize, string paramName)
    {
        if (length % elementSize != 0)
        {
            throw new ArgumentException(
                $"Buffer of {length} bytes is not a whole number of {type} elements ({elementSize} bytes each); pass a multiple of the element size.",
                paramName);
        }
    }

    private static void RequireNoPartialOverlap(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, string paramName)
    {
        if (source.Overlaps(destination, out int offset) && offset != 0)
        {
            throw new ArgumentException("Operand and destination overlap without starting at the same address; use the same span or disjoint spans.", paramName);
        }
    }

    private static void Apply<T>(ReduceOp op, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
        where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> x = MemoryMarshal.Cast<byte, T>(a);
        ReadOnlySpan<T> y = MemoryMarshal.Cast<byte, T>(b);
        Span<T> d = MemoryMarshal.Cast<byte, T>(destination);
        int count = x.Length;
        int maxSlice = CachedStoreBytes / Unsafe.SizeOf<T>();
        if (count <= maxSlice)
        {
            ApplySlice(op, x, y, d);
            return;
        }
        // Equal slices, each at least maxSlice / 2 elements long, so every slice takes the same wide-vector path
        // as one call over the whole piece would: each element still gets exactly one IEEE operation.
        int slices = (count + maxSlice - 1) / maxSlice;
        int length = (count + slices - 1) / slices;
        for (int start = 0; start < count; start += length)
        {
            int n = Math.Min(length, count - start);
            ApplySlice(op, x.Slice(start, n), y.Slice(start, n), d.Slice(start, n));
        }
    }

    private static void ApplySlice<T>(ReduceOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case ReduceOp.Sum or ReduceOp.Avg: TensorPrimitives.Add(x, y, d); break;
            case ReduceOp.Prod: TensorPrimitives.Multiply(x, y, d); break;
            case ReduceOp.Max: TensorPrimitives.Max(x, y, d); break;
            case ReduceOp.Min: TensorPrimitives.Min(x, y, d); break;
            default: throw new ArgumentException($"Reduce op {op} is not supported; use Sum, Avg, Prod, Max or Min.", nameof(op));
        }
    }

    private static void ApplyNarrow<TFormat>(ReduceOp op, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
        where TFormat : INarrowFloat
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Avg or ReduceOp.Prod or ReduceOp.Max or ReduceOp.Min))
        {
            throw new ArgumentException($"Reduce op {op} is not supported; use Sum, Avg, Prod, Max or Min.", nameof(op));
        }
        Span<float> x = stackalloc float[BlockElements];
        Span<float> y = stackalloc float[BlockElements];
        for (int offset = 0; offset < a.Length; offset += BlockElements * sizeof(ushort))
        {
            int bytes = Math.Min(BlockElements * sizeof(ushort), a.Length - offset);
            int count = bytes / sizeof(ushort);
            Span<float> xs = x[..count];
            Span<float> ys = y[..count];
            TFormat.Widen(a.Slice(offset, bytes), xs);
            TFormat.Widen(b.Slice(offset, bytes), ys);
            Apply<float>(op, MemoryMarshal.AsBytes(xs), MemoryMarshal.AsBytes(ys), MemoryMarshal.AsBytes(xs));
            TFormat.Narrow(xs, destination.Slice(offset, bytes));
        }
    }

    private static void DivideInteger<T>(Span<byte> data, int worldSize)
        where T : unmanaged, IBinaryInteger<T>
    {
        Span<T> values = MemoryMarshal.Cast<byte, T>(data);
        T divisor = T.CreateSaturating(worldSize);
        if (long.CreateTruncating(divisor) == worldSize)
        {
            TensorPrimitives.Divide(values, divisor, values);
            return;
        }
        // The divisor does not fit in T (e.g. 200 peers averaging I8): divide in 64 bits.
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateTruncating(long.CreateTruncating(values[i]) / worldSize);
        }
    }

    private static void DivideNarrow<TFormat>(Span<byte> data, int worldSize)
        where TFormat : INarrowFloat
    {
        Span<float> block = stackalloc float[BlockElements];
        for (int offset = 0; offset < data.Length; offset += BlockElements * sizeof(ushort))
        {
            int bytes = Math.Min(BlockElements * sizeof(ushort), data.Length - offset);
            Span<float> values = block[..(bytes / sizeof(ushort))];
            TFormat.Widen(data.Slice(offset, bytes), values);
            TensorPrimitives.Divide(values, (float)worldSize, values);
            TFormat.Narrow(values, data.Slice(offset, bytes));
        }
    }
}
