using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pccl.Cli.Bench;

/// <summary>
/// One worker process of <c>pccl bench allreduce</c>: waits for the full world, then per size runs warm-up and timed
/// iterations (each after a one-element barrier) and prints one JSON line with its timings, a hash over every timed
/// result (the bench compares them across peers) and a verdict on the values (<see cref="SumCheck"/>) of the last
/// timed result, checked after the timed loop (with the pattern every iteration must also give the same result).
/// </summary>
internal static class AllReduceBenchWorker
{
    /// <summary>Printed once connected, before any result: the bench that starts peers in a set order waits for it.</summary>
    public const string JoinedLine = "joined ";

    /// <summary>
    /// The barrier before each timed call runs on a tag of its own: each tag's next operation then has the parameters of
    /// its last one, so both take the master's start grant (<c>performance.start_grants</c>).
    /// </summary>
    private static readonly AllReduceOptions BarrierTag = new() { Tag = 1 };

    /// <param name="wan">set by <c>bench wan</c>: its run options and the emulated paths' byte counters</param>
    /// <param name="loggers">where the communicator logs; null: nowhere</param>
    public static async Task<int> RunAsync(CommunicatorOptions options, int peers, IReadOnlyList<long> sizes, int iterations, int warmup, QuantizationMode quantization, AllReduceAlgorithm algorithm, bool gradient, CancellationToken ct,
        Wan.WanWorkerHooks? wan = null, ILoggerFactory? loggers = null)
    {
        await using var communicator = await Communicator.ConnectAsync(options, loggers ?? NullLoggerFactory.Instance, ct);
        Console.Out.WriteLine($"{JoinedLine}{communicator.PeerId}");
        Console.Out.Flush();
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

        if (wan is not null)
        {
            await wan.WorldCompleteAsync(communicator, ct);
        }

        var barrier = new float[1];
        // pattern inputs differ by peer (its position among the world's ids), so a sum that counts one peer twice and drops another fails
        var world = (await communicator.AllReduceAsync(barrier.AsMemory(), BarrierTag, ct)).PeerIds.Order().ToList();
        var pattern = Pattern(world.IndexOf(communicator.PeerId));
        foreach (var bytes in sizes)
        {
            var elements = (int)(bytes / sizeof(float));
            var buffer = PinnedBuffer.Allocate<float>(elements);
            var times = new List<double>(iterations);
            List<long>? pathBytes = wan is null ? null : new(iterations);
            var check = new SumCheck(peers, quantization, integerInputs: !gradient);
            var results = new XxHash3();
            var op = new AllReduceOptions { Quantization = quantization, Algorithm = algorithm };
            var used = algorithm;
            ulong? firstResult = null;
            var repeatable = true;
            IReadOnlyList<ulong> contributors = [];
            for (var i = -warmup; i < iterations; i++)
            {
                if (gradient)
                {
                    new GradientSource(communicator.PeerId, i).Fill(buffer);
                }
                else
                {
                    Fill(buffer, pattern);
                }

                await communicator.AllReduceAsync(barrier.AsMemory(), BarrierTag, ct);
                var pathBefore = wan?.PathSnapshot();
                var clock = Stopwatch.StartNew();
                var info = await communicator.AllReduceAsync(buffer.AsMemory(), op, ct);
                var seconds = clock.Elapsed.TotalSeconds;
                used = info.Algorithm;
                if (i >= 0)
                {
                    times.Add(seconds);
                    if (wan is not null)
                    {
                        pathBytes!.Add(wan.BusiestPathBytesSince(pathBefore!));
                    }

                    contributors = info.PeerIds;
                    var result = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(buffer.AsSpan()));
                    results.Append(BitConverter.GetBytes(result));
                    // the same pattern goes in every iteration, so every iteration must give the same bits
                    firstResult ??= result;
                    repeatable &= gradient || result == firstResult;
                }
            }

            // Values are checked once, after the timed loop: a check between iterations leaves the caches cold for
            // the next timed call and inflated small sizes' times. The pattern's iterations are checked through the
            // hash above; the gradient's differ by design, and rebuilding N inputs costs N fills.
            if (!gradient)
            {
                CheckPattern(check, buffer, [.. contributors.Select(id => world.IndexOf(id))]);
            }
            else if (iterations > 0)
            {
                CheckGradient(check, buffer, contributors, iterations - 1);
            }

            var hash = Convert.ToHexStringLower(results.GetCurrentHash());
            var line = new WorkerResult(communicator.PeerId, bytes, times, check.Passed && repeatable, hash, used.ToString(), check.MaxError, check.Tolerance)
            {
                Ring = contributors,
                PathBytes = pathBytes,
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(line, BenchJson.Default.WorkerResult));
            Console.Out.Flush();
        }

        return 0;
    }

    /// <summary>Pattern period: element i of the peer at rank r holds 1 + i % 7 + 8r; a block of 7 × 1024 elements repeats it exactly.</summary>
    private const int PatternBlock = 7 * 1024;

    /// <summary>Elements of each peer's gradient rebuilt at a time while checking.</summary>
    private const int CheckBlock = 1 << 16;

    private static float[] Pattern(int rank)
    {
        var block = new float[PatternBlock];
        for (var i = 0; i < block.Length; i++)
        {
            block[i] = 1 + (i % 7) + (8 * rank);
        }

        return block;
    }

    private static void Fill(float[] buffer, float[] block)
    {
        for (var start = 0; start < buffer.Length; start += PatternBlock)
        {
            var length = Math.Min(PatternBlock, buffer.Length - start);
            block.AsSpan(0, length).CopyTo(buffer.AsSpan(start, length));
        }
    }

    /// <summary>Every element must be exactly the sum of the contributors' patterns (within the bound, quantized).</summary>
    /// <param name="ranks">The contributors' ranks: their positions among the world's ids.</param>
    private static void CheckPattern(SumCheck check, float[] buffer, IReadOnlyList<int> ranks)
    {
        var length = Math.Min(PatternBlock, buffer.Length);
        var exact = new double[length];
        for (var p = 0; p < ranks.Count; p++)
        {
            var pattern = Pattern(ranks[p]).AsSpan(0, length);
            check.AddInput(p, pattern);
            for (var i = 0; i < length; i++)
            {
                exact[i] += pattern[i];
            }
        }

        for (var start = 0; start < buffer.Length; start += PatternBlock)
        {
            var count = Math.Min(PatternBlock, buffer.Length - start);
            check.Compare(buffer.AsSpan(start, count), exact.AsSpan(0, count));
        }
    }

    /// <summary>Rebuilds every contributor's gradient of <paramref name="iteration"/> a block at a time and compares the sum.</summary>
    private static void CheckGradient(SumCheck check, float[] buffer, IReadOnlyList<ulong> contributors, int iteration)
    {
        var sources = contributors.Select(id => new GradientSource(id, iteration)).ToArray();
        var input = new float[CheckBlock];
        var exact = new double[CheckBlock];
        for (var start = 0; start < buffer.Length; start += CheckBlock)
        {
            var length = Math.Min(CheckBlock, buffer.Length - start);
            exact.AsSpan().Clear();
            for (var p = 0; p < sources.Length; p++)
            {
                var block = input.AsSpan(0, length);
                sources[p].Fill(block);
                check.AddInput(p, block);
                for (var j = 0; j < length; j++)
                {
                    exact[j] += block[j];
                }
            }

            check.Compare(buffer.AsSpan(start, length), exact.AsSpan(0, length));
        }
    }
}
