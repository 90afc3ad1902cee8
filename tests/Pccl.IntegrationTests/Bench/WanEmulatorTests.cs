using System.Text.Json;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Bench;

/// <summary>
/// The WAN emulator against itself (<c>pccl bench wan-check</c>): namespaces joined by the TUN forwarder's delay lines
/// carry a round trip and a bulk TCP transfer as configured, and no run leaves a namespace or process behind, whether it
/// ends, is interrupted, or is killed. Serial: the rate check measures time.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public class WanEmulatorTests
{
    private static PcclProcess Check(params string[] arguments) => PcclProcess.Start("wan-check", ["bench", "wan-check", .. arguments]);

    [Fact]
    public async Task RoundTripAndBulkTcpRateMatchTheConfiguredPathWithinTenPercent()
    {
        await using var check = Check("--rtt-ms", "20", "--rate-mbit", "200", "--seconds", "3", "--json");
        try
        {
            var code = await check.WaitForExitAsync(TimeSpan.FromSeconds(120));
            Assert.True(code == 0, $"wan-check exited with {code}: {check.Stderr}");
            var result = JsonDocument.Parse(check.StdoutLines.Single(l => l.StartsWith('{'))).RootElement;
            var rtt = result.GetProperty("rtt_ms").GetDouble();
            var mbit = result.GetProperty("throughput_mbit").GetDouble();
            Assert.InRange(rtt, 18, 22);
            Assert.InRange(result.GetProperty("ping_ms").GetDouble(), 18, 22);
            Assert.InRange(mbit, 180, 220);
            WanNamespaces.AssertNoneLeft(check.Pid);
        }
        finally
        {
            WanNamespaces.RemoveAll(check.Pid);
        }
    }

    [Fact]
    public async Task AnInterruptedRunTearsDownItsNamespacesAndProcesses()
    {
        await using var check = Check("--rtt-ms", "10", "--rate-mbit", "20", "--seconds", "60");
        try
        {
            await PcclProcess.WaitUntilAsync(() => WanNamespaces.Of(check.Pid).Count == 2, TimeSpan.FromSeconds(60), "the emulated network", check);
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            check.Interrupt(); // Ctrl+C
            await check.WaitForExitAsync(TimeSpan.FromSeconds(30));
            WanNamespaces.AssertNoneLeft(check.Pid);
        }
        finally
        {
            WanNamespaces.RemoveAll(check.Pid);
        }
    }

    [Fact]
    public async Task TheNextRunRemovesWhatAKilledRunLeftBehind()
    {
        await using var killed = Check("--rtt-ms", "10", "--rate-mbit", "20", "--seconds", "60");
        try
        {
            await PcclProcess.WaitUntilAsync(() => WanNamespaces.Of(killed.Pid).Count == 2 && WanNamespaces.ProcessesNaming(killed.Pid).Count > 0,
                TimeSpan.FromSeconds(60), "the emulated network and its forwarder", killed);
            PosixSignals.Send(killed.Pid, PosixSignals.Kill);
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, WanNamespaces.Of(killed.Pid).Count);

            await using var next = Check("--rtt-ms", "2", "--rate-mbit", "100", "--seconds", "0.5");
            var code = await next.WaitForExitAsync(TimeSpan.FromSeconds(120));
            Assert.True(code == 0, $"wan-check exited with {code}: {next.Stderr}");
            WanNamespaces.AssertNoneLeft(killed.Pid);
        }
        finally
        {
            WanNamespaces.RemoveAll(killed.Pid);
        }
    }
}
