using BenchmarkDotNet.Attributes;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Bench;

/// <summary>Byte-plane + LZ4 codec on a 4 MiB piece of smooth floats (compressible) and of noise (raw fallback).</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int PieceBytes = 4 << 20;

    private byte[] _smooth = [];
    private byte[] _noise = [];
    private byte[] _encoded = [];
    private byte[] _smoothEncoded = [];
    private byte[] _decoded = [];
    private int _smoothLength;

    [GlobalSetup]
    public void Setup()
    {
        float[] smooth = new float[PieceBytes / sizeof(float)];
        for (int i = 0; i < smooth.Length; i++)
        {
            smooth[i] = 1000 + MathF.Round(MathF.Sin(i / 5000f) * 64);
        }
        _smooth = new byte[PieceBytes];
        Buffer.BlockCopy(smooth, 0, _smooth, 0, PieceBytes);
        _noise = new byte[PieceBytes];
        new Random(2).NextBytes(_noise);
        _encoded = new byte[LosslessCodec.MaxEncodedSize(PieceBytes)];
        _smoothEncoded = new byte[LosslessCodec.MaxEncodedSize(PieceBytes)];
        _smoothLength = LosslessCodec.Encode(DataType.F32, _smooth, _smoothEncoded);
        _decoded = new byte[PieceBytes];
    }

    [Benchmark(Baseline = true)]
    public void Memcpy() => _smooth.AsSpan().CopyTo(_decoded);

    [Benchmark]
    public int EncodeSmoothF32() => LosslessCodec.Encode(DataType.F32, _smooth, _encoded);

    [Benchmark]
    public int EncodeNoiseF32() => LosslessCodec.Encode(DataType.F32, _noise, _encoded);

    [Benchmark]
    public int DecodeSmoothF32() => LosslessCodec.Decode(DataType.F32, _smoothEncoded.AsSpan(0, _smoothLength), _decoded);
}
