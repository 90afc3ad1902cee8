using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary><c>pccl bench chaos</c>: random starts, SIGKILLs and SIGSTOPs must never stall the run, split a result or crash a worker.</summary>
public class ChaosTests
{
    [Fact]
    public Task ShortChurnWithFourPeersHolds() => RunChaosAsync(peersMax: 4, seconds: 20, seed: 4242);

    [Fact(Explicit = true)]
    [Trait("Category", "Soak")]
    public Task MinuteOfChurnWithEightPeersHolds() => RunChaosAsync(peersMax: 8, seconds: 60, seed: 8);

    private static async Task RunChaosAsync(int peersMax, int seconds, int seed)
    {
        await using var chaos = PcclProcess.Start("chaos",
        [
            "bench", "chaos", "--peers-max", peersMax.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--duration", $"{seconds}s", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json",
            "--p2p-port-range", FreePort.P2PRange(40),
        ]);
        var code = await chaos.WaitForExitAsync(TimeSpan.FromSeconds(seconds + 60));
        var line = chaos.StdoutLines.LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, $"no summary; stderr:\n{chaos.Stderr}");
        var summary = JsonDocument.Parse(line).RootElement;
        Assert.True(code == 0 && summary.GetProperty("passed").GetBoolean(), $"chaos failed (exit {code}): {line}\n{chaos.Stderr}");
        Assert.True(summary.GetProperty("kills").GetInt32() + summary.GetProperty("stops").GetInt32() > 0, line);
        Assert.True(summary.GetProperty("operations").GetInt32() > 0, line);
        Assert.Equal(0, summary.GetProperty("disagreements").GetInt32());
    }
}
