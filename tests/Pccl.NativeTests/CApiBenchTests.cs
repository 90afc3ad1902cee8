using System.Text.Json;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// bench/c-api/run.sh, the C API against Communicator, runs both paths and prints their ratio (a small run: the
/// figures themselves come from a quiet machine).
/// </summary>
public sealed class CApiBenchTests(NativeBuild build)
{
    [Fact]
    public async Task The_bench_runs_the_C_API_and_Communicator_and_prints_both_medians_and_their_ratio()
    {
        Assert.True(File.Exists(build.Program("allreduce_bench")), "the bench program compiles under the tests' gcc flags");
        using var bench = ChildProcess.Start("bench", "bash",
            [Path.Combine(Repository.Root, "bench", "c-api", "run.sh"), "--peers", "2", "--sizes", "64KiB,1MiB", "--iterations", "3", "--warmup", "1", "--json"]);

        var exit = await bench.WaitForExitAsync(TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, bench.Output);
        Assert.Contains(bench.Lines, l => l.StartsWith("libpccl.so: ", StringComparison.Ordinal) && l.Contains("first pcclConnect", StringComparison.Ordinal));
        var results = bench.Lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([65536L, 1048576L], results.Select(r => r.GetProperty("bytes").GetInt64()));
        Assert.All(results, r =>
        {
            Assert.True(r.GetProperty("c_api_median_ms").GetDouble() > 0, bench.Output);
            Assert.True(r.GetProperty("communicator_median_ms").GetDouble() > 0, bench.Output);
            Assert.Equal(r.GetProperty("c_api_median_ms").GetDouble() / r.GetProperty("communicator_median_ms").GetDouble(),
                r.GetProperty("ratio").GetDouble(), 2);
        });
    }
}
