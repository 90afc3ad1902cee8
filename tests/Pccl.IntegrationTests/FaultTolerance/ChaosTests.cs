using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// <c>pccl bench chaos</c>: random starts, SIGKILLs and SIGSTOPs must never stall the run, split or falsify a result, or crash
/// a worker; and after every worker is killed at once, the run resumes from the newest checkpoint.
/// </summary>
public class ChaosTests
{
    private const int CheckpointInterval = 10;

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
            "--checkpoint-interval", CheckpointInterval.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
        Assert.Equal(0, summary.GetProperty("wrong_sums").GetInt32());
        AssertResumedFromCheckpointAfterTotalLoss(summary, line);
    }

    private static void AssertResumedFromCheckpointAfterTotalLoss(JsonElement summary, string line)
    {
        Assert.True(summary.GetProperty("total_losses").GetInt32() == 1, line);
        Assert.True(summary.GetProperty("recoveries").GetInt32() == 1, line);
        var lost = summary.GetProperty("lost_revision").GetUInt64();
        var resumedFrom = summary.GetProperty("checkpoint_revision").GetUInt64();
        Assert.True(resumedFrom > 0 && resumedFrom <= lost && resumedFrom % CheckpointInterval == 0, line);
        Assert.True(summary.GetProperty("resumes").GetInt32() >= 2, line); // at least the two workers started after the loss
    }
}
