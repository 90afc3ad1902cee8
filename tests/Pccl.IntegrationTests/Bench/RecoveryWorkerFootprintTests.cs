using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary>
/// A bench's worker process (<c>pccl bench recovery-worker</c>, the worker of <c>bench recovery</c> and <c>bench
/// memory</c>) maps only what its all-reduces need: every assembly it loads stays resident (docs/performance.md,
/// "Memory per worker").
/// </summary>
public class RecoveryWorkerFootprintTests
{
    private static readonly Dictionary<string, string> PatientHeartbeats = new() { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "3000" };

    /// <summary>The tool's command line, console UI, plots, configuration file, logging and metrics endpoint.</summary>
    private static readonly string[] NotNeeded =
        ["System.CommandLine.dll", "Spectre.Console.dll", "ScottPlot.dll", "YamlDotNet.dll", "Serilog.dll", "Microsoft.AspNetCore.", "Prometheus."];

    [Fact]
    public async Task A_recovery_worker_all_reduces_without_loading_the_tool_s_command_line_console_or_services()
    {
        var port = FreePort.Tcp();
        await using var master = await PcclProcess.StartMasterAsync(port, PatientHeartbeats);
        await using var first = StartRecoveryWorker("first", port);
        await using var second = StartRecoveryWorker("second", port);

        await PcclProcess.WaitUntilAsync(() => Succeeded(first) && Succeeded(second), TimeSpan.FromSeconds(60), "an all-reduce of two recovery workers",
            master, first, second);

        // file names, not paths: the framework's Microsoft.AspNetCore.App folder also serves the logging abstractions
        var mapped = File.ReadLines($"/proc/{first.Pid}/maps").Select(line => Path.GetFileName(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1])).ToHashSet();
        Assert.Contains("Pccl.Core.dll", mapped);
        Assert.All(NotNeeded, name => Assert.DoesNotContain(mapped, file => file.StartsWith(name, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_recovery_worker_given_a_bad_element_count_names_it_and_exits_2()
    {
        await using var worker = PcclProcess.Start("bad", ["bench", "recovery-worker", "--master", "127.0.0.1:7117", "--elements", "many"]);

        Assert.Equal(2, await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--elements must be a positive count of float32 elements, not 'many'", worker.Stderr, StringComparison.Ordinal);
    }

    private static PcclProcess StartRecoveryWorker(string name, int masterPort) =>
        PcclProcess.Start(name, ["bench", "recovery-worker", "--master", $"127.0.0.1:{masterPort}", "--elements", "4096"], PatientHeartbeats);

    private static bool Succeeded(PcclProcess worker) => worker.StdoutLines.Any(l => l.Contains("\"event\":\"success\"", StringComparison.Ordinal));
}
