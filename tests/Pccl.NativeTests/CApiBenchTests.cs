using System.Text.Json;
using Pccl.IntegrationTests.Support;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// <c>pccl bench c-api</c>, the C API against Communicator, compiles its C programs, runs both paths and prints their
/// ratio (a small run: the figures themselves come from a quiet machine); without libpccl.so it says what to run.
/// </summary>
public sealed class CApiBenchTests(NativeBuild build)
{
    [Fact]
    public async Task The_bench_runs_the_C_API_and_Communicator_and_prints_both_medians_their_ratio_and_the_C_peers_memory()
    {
        Assert.True(File.Exists(build.Program("allreduce_bench")), "the bench program compiles under the tests' gcc flags");
        using var bench = StartBench("--peers", "2", "--sizes", "64KiB,1MiB", "--iterations", "3", "--warmup", "1", "--backup", "--json", "--native", build.LibraryDirectory);

        var exit = await bench.WaitForExitAsync(TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, bench.Output);
        var objects = bench.Lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var library = Assert.Single(objects, o => o.TryGetProperty("libpccl_bytes", out _));
        Assert.Equal(new FileInfo(build.LibraryPath).Length, library.GetProperty("libpccl_bytes").GetInt64());
        Assert.True(library.GetProperty("first_connect_ms").GetDouble() > 0, bench.Output);
        Assert.InRange(library.GetProperty("first_connect_init_ms").GetDouble(), double.Epsilon, library.GetProperty("first_connect_ms").GetDouble());
        Assert.True(library.GetProperty("last_connect_ms").GetDouble() >= library.GetProperty("first_connect_ms").GetDouble(), bench.Output);
        var results = objects.Where(o => o.TryGetProperty("bytes", out _)).ToList();
        Assert.Equal([65536L, 1048576L], results.Select(r => r.GetProperty("bytes").GetInt64()));
        Assert.All(results, r =>
        {
            Assert.Equal(2, r.GetProperty("peers").GetInt32());
            Assert.True(r.GetProperty("c_api_median_ms").GetDouble() > 0, bench.Output);
            Assert.True(r.GetProperty("communicator_median_ms").GetDouble() > 0, bench.Output);
            Assert.Equal(r.GetProperty("c_api_median_ms").GetDouble() / r.GetProperty("communicator_median_ms").GetDouble(),
                r.GetProperty("ratio").GetDouble(), 2);
            // a C peer holds at least the runtime's own memory (several MiB) besides its buffer
            var bufferMb = r.GetProperty("bytes").GetInt64() / 1048576.0;
            Assert.InRange(r.GetProperty("c_api_rss_mb").GetDouble(), bufferMb + 1, 4096);
            Assert.Equal((2 * bufferMb) + 48, r.GetProperty("rss_target_mb").GetDouble(), 3);
        });
    }

    [Fact]
    public async Task Without_libpccl_so_the_bench_says_what_to_build()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-libpccl-{Guid.NewGuid():N}");
        using var bench = StartBench("--native", missing);

        Assert.Equal(1, await bench.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains(bench.Lines, l => l.Contains(Path.Combine(missing, "libpccl.so") + " is missing", StringComparison.Ordinal)
            && l.Contains("scripts/build-native.sh", StringComparison.Ordinal));
    }

    private static ChildProcess StartBench(params string[] arguments) =>
        ChildProcess.Start("bench", "dotnet", [PcclBinary.DllPath, "bench", "c-api", .. arguments]);
}
