using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Bench;

/// <summary>
/// Reduction and quantization kernels on one ring piece of <see cref="PieceBytes"/> bytes, against a memcpy of
/// the same piece (the baseline; the Ratio column is time / memcpy time).
/// </summary>
/// <remarks>
/// <para>The GB/s column is <see cref="PieceBytes"/> / mean time: bytes of the accumulator (the piece) processed,
/// the same count for every row, so it compares kernels directly. The bytes actually moved differ: memcpy reads
/// one buffer and writes one (2 x piece); an accumulate or combine reads two and writes one (3 x piece), so an
/// accumulate counting only those bytes would reach about 2/3 of memcpy's GB/s. In cache-line traffic the two are
/// closer: memcpy's stores also read each destination line first (read for ownership), while an in-place
/// accumulate stores into lines it has just read, so both move about three lines per line of piece and a
/// cached accumulate can match memcpy. 16-bit kernels hold twice the elements in the same piece.</para>
/// <para>Sizes: the ring's pieces are at most 4 MiB and often smaller. At 256 KiB and 1 MiB the two buffers of an
/// in-place accumulate (acc and incoming) fit the 4 MiB L2; at 4 MiB (8 MiB touched) they run from L3.</para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class KernelBenchmarks
{
    private byte[] _acc = [];
    private byte[] _incoming = [];
    private byte[] _acc64 = [];
    private byte[] _incoming64 = [];
    private byte[] _acc16 = [];
    private byte[] _incomingHalf = [];
    private byte[] _incomingBf16 = [];
    private byte[] _encodedU8 = [];
    private byte[] _encodedU16 = [];

    /// <summary>Bytes of one piece (accumulator bytes per operation).</summary>
    [Params(256 << 10, 1 << 20, 4 << 20)]
    public int PieceBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        float[] values = new float[PieceBytes / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(rng.NextDouble() - 0.5);
        }
        _incoming = new byte[PieceBytes];
        Buffer.BlockCopy(values, 0, _incoming, 0, PieceBytes);
        _acc = (byte[])_incoming.Clone();
        double[] doubles = new double[PieceBytes / sizeof(double)];
        for (int i = 0; i < doubles.Length; i++)
        {
            doubles[i] = rng.NextDouble() - 0.5;
        }
        _incoming64 = new byte[PieceBytes];
        Buffer.BlockCopy(doubles, 0, _incoming64, 0, PieceBytes);
        _acc64 = (byte[])_incoming64.Clone();
        Half[] halves = new Half[PieceBytes / 2];
        BFloat16[] brains = new BFloat16[PieceBytes / 2];
        for (int i = 0; i < halves.Length; i++)
        {
            float v = (float)(rng.NextDouble() - 0.5);
            halves[i] = (Half)v;
            brains[i] = (BFloat16)v;
        }
        _incomingHalf = MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
        _incomingBf16 = MemoryMarshal.AsBytes(brains.AsSpan()).ToArray();
        // 16-bit kernels use Combine into a separate buffer so repeated runs never saturate Half.
        _acc16 = new byte[PieceBytes];
        _encodedU8 = new byte[MinMaxQuantizer.EncodedSize(DataType.F32, Quantization.MinMaxU8, values.Length)];
        _encodedU16 = new byte[MinMaxQuantizer.EncodedSize(DataType.F32, Quantization.MinMaxU16, values.Length)];
        MinMaxQuantizer.Quantize(DataType.F32, Quantization.MinMaxU8, _incoming, _encodedU8);
        MinMaxQuantizer.Quantize(DataType.F32, Quantization.MinMaxU16, _incoming, _encodedU16);
    }

    [Benchmark(Baseline = true)]
    public void Memcpy() => _incoming.AsSpan().CopyTo(_acc);

    // Repeated sums of values in [-0.5, 0.5) stay finite and normal for any realistic iteration count.
    [Benchmark]
    public void AccumulateF32Sum() => ReduceKernels.Accumulate(DataType.F32, ReduceOp.Sum, _acc, _incoming);

    [Benchmark]
    public void AccumulateF64Sum() => ReduceKernels.Accumulate(DataType.F64, ReduceOp.Sum, _acc64, _incoming64);

    [Benchmark]
    public void CombineF16Sum() => ReduceKernels.Combine(DataType.F16, ReduceOp.Sum, _incomingHalf, _incomingHalf, _acc16);

    [Benchmark]
    public void CombineBf16Sum() => ReduceKernels.Combine(DataType.Bf16, ReduceOp.Sum, _incomingBf16, _incomingBf16, _acc16);

    [Benchmark]
    public void AccumulateF32Max() => ReduceKernels.Accumulate(DataType.F32, ReduceOp.Max, _acc, _incoming);

    [Benchmark]
    public void QuantizeF32U8() => MinMaxQuantizer.Quantize(DataType.F32, Quantization.MinMaxU8, _incoming, _encodedU8);

    [Benchmark]
    public void DequantizeF32U8() => MinMaxQuantizer.Dequantize(DataType.F32, Quantization.MinMaxU8, _encodedU8, _acc);

    [Benchmark]
    public void DequantizeCombineF32U16Sum() =>
        MinMaxQuantizer.DequantizeCombine(DataType.F32, Quantization.MinMaxU16, ReduceOp.Sum, _acc, _encodedU16, _acc);

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new PieceThroughputColumn());
    }

    /// <summary>GB/s (10^9 bytes per second) of accumulator bytes: PieceBytes / mean.</summary>
    private sealed class PieceThroughputColumn : IColumn
    {
        public string Id => nameof(PieceThroughputColumn);

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Accumulator (piece) bytes per second / 10^9: PieceBytes / Mean";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
            object? bytes = benchmarkCase.Parameters[nameof(PieceBytes)];
            if (meanNs is not > 0 || bytes is not int pieceBytes)
            {
                return "?";
            }
            return (pieceBytes / meanNs.Value).ToString("F1", CultureInfo.InvariantCulture);
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
