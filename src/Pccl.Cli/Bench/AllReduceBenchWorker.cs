using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pccl.Cli.Bench;

/// <summary>
/// One worker process of <c>pccl bench allreduce</c>: waits for the full world, then per size runs warm-up and timed
/// iterations (each after a one-element barrier) and prints one JSON line with its timings and a correctness verdict.
/// </summary>
internal static class AllReduceBenchWorker
{
    public static async Task<int> RunAsync(CommunicatorOptions options, int peers, IReadOnlyList<long> sizes, int iterations, int warmup, QuantizationMode quantization, AllReduceAlgorithm algorithm, bool gradient, CancellationToken ct)
    {
        await using var communicator = await Communicator.ConnectAsync(options, NullLoggerFactory.Instance, ct);
        while (communicator.GroupWorldSize < peers)
        {
            if (await communicator.ArePeersPendingAsync(ct))
            {
                await communicator.UpdateTopologyAsync(ct);
            }
            else
            {
                await Task.Delay(20, ct);
            }
        }

        var barrier = new float[1];
        foreach (var bytes in sizes)
        {
            var elements = (int)(bytes / sizeof(float));
            var buffer = GC.AllocateUninitializedArray<float>(elements, pinned: true);
            var times = new List<double>(iterations);
            var correct = true;
            var op = new AllReduceOptions { Quantization = quantization, Algorithm = algorithm };
            var used = algorithm;
            for (var i = -warmup; i < iterations; i++)
            {
                if (gradient)
                {
                    FillGradient(buffer, communicator.PeerId, i);
                }
                else
                {
                    Fill(buffer);
                }

                await communicator.AllReduceAsync(barrier.AsMemory(), ct: ct);
                var clock = Stopwatch.StartNew();
                used = (await communicator.AllReduceAsync(buffer.AsMemory(), op, ct)).Algorithm;
                var seconds = clock.Elapsed.TotalSeconds;
                if (i >= 0)
                {
                    times.Add(seconds);
                    correct &= gradient || quantization != QuantizationMode.None || Verify(buffer, peers);
                }
            }

            var hash = Convert.ToHexStringLower(System.IO.Hashing.XxHash3.Hash(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.AsSpan())));
            Console.Out.WriteLine(JsonSerializer.Serialize(new WorkerResult(communicator.PeerId, bytes, times, correct, hash, used.ToString()), BenchJson.Default.WorkerResult));
            Console.Out.Flush();
        }

        return 0;
    }

    /// <summary>Pattern period: element i holds 1 + i % 7; a block of 7 × 1024 elements repeats it exactly.</summary>
    private const int PatternBlock = 7 * 1024;

    private static float[] Pattern(float scale)
    {
        var block = new float[PatternBlock];
        for (var i = 0; i < block.Length; i++)
        {
            block[i] = scale * (1 + (i % 7));
        }

        return block;
    }

    private static void Fill(float[] buffer)
    {
        var block = Pattern(1);
        for (var start = 0; start < buffer.Length; start += PatternBlock)
        {
            var length = Math.Min(PatternBlock, buffer.Length - start);
            block.AsSpan(0, length).CopyTo(buffer.AsSpan(start, length));
        }
    }

    /// <summary>Gradient-like data: normally distributed floats, different on every peer and iteration.</summary>
    private static void FillGradient(float[] buffer, ulong peer, int iteration)
    {
        var random = new Random((int)peer * 1000 + iteration + 7);
        for (var i = 0; i < buffer.Length; i += 2)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = Math.Sqrt(-2 * Math.Log(u1)) * 0.01;
            buffer[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < buffer.Length)
            {
                buffer[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }
    }

    /// <summary>Every element equals peers × (1 + i % 7); small integers, so comparing bits is comparing values.</summary>
    private static bool Verify(float[] buffer, int peers)
    {
        var expected = Pattern(peers);
        for (var start = 0; start < buffer.Length; start += PatternBlock)
        {
            var length = Math.Min(PatternBlock, buffer.Length - start);
            if (!buffer.AsSpan(start, length).SequenceEqual(expected.AsSpan(0, length)))
            {
                return false;
            }
        }

        return true;
    }
}
