using System.Text.Json;
using Pccl.IntegrationTests.Support;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// <c>pccl bench recovery</c> and <c>bench memory</c> with <c>--worker-binary</c>: the NativeAOT <c>pccl-worker</c>
/// does the benches' all-reduces in place of <c>pccl bench recovery-worker</c>, with the same command line and output.
/// </summary>
public sealed class AotWorkerTests(NativeBuild build)
{
    private static readonly Dictionary<string, string> PatientHeartbeats = new() { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "3000" };

    [Fact]
    public async Task The_memory_bench_measures_the_AOT_worker_holding_its_buffer_and_backup()
    {
        using var bench = StartBench(["memory", "--peers", "2", "--sizes", "4MiB", "--json", "--worker-binary", build.WorkerPath]);

        Assert.True(await bench.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, bench.Output);
        var result = JsonDocument.Parse(Assert.Single(bench.Lines, l => l.StartsWith('{'))).RootElement;
        Assert.Equal(build.WorkerPath, result.GetProperty("worker").GetString());
        Assert.Equal(4, result.GetProperty("buffer_mb").GetDouble());
        Assert.InRange(result.GetProperty("rss_mb").GetDouble(), 2 * 4, 4096); // the buffer and its backup are resident
    }

    [Fact]
    public async Task The_recovery_bench_kills_and_stops_AOT_workers_and_times_the_failure_path()
    {
        using var bench = StartBench(["recovery", "--peers", "3", "--size", "4MiB", "--rounds", "1", "--json", "--worker-binary", build.WorkerPath]);

        Assert.True(await bench.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, bench.Output);
        var result = JsonDocument.Parse(Assert.Single(bench.Lines, l => l.StartsWith('{'))).RootElement;
        Assert.Equal(3, result.GetProperty("peers").GetInt32());
        Assert.Equal(build.WorkerPath, result.GetProperty("worker").GetString());
        Assert.True(result.GetProperty("kill_to_success_ms").GetDouble() > 0, bench.Output);
        Assert.True(result.GetProperty("hang_to_success_ms").GetDouble() > 0, bench.Output);
        // a kill that fell between two operations has no failure path to time, and the result counts it
        Assert.Equal(result.TryGetProperty("kill_to_error_ms", out _), result.TryGetProperty("timeline", out _));
    }

    [Fact]
    public async Task A_worker_binary_that_is_not_there_is_named_with_how_to_publish_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-pccl-worker-{Guid.NewGuid():N}");
        using var bench = StartBench(["memory", "--peers", "2", "--sizes", "4MiB", "--worker-binary", missing]);

        Assert.Equal(2, await bench.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains(bench.Lines, l => l.Contains($"--worker-binary {missing}: no such file", StringComparison.Ordinal)
            && l.Contains("dotnet publish src/Pccl.Worker", StringComparison.Ordinal));
    }

    private static ChildProcess StartBench(string[] arguments) =>
        ChildProcess.Start("bench", "dotnet", [PcclBinary.DllPath, "bench", .. arguments], PatientHeartbeats);
}
