using Pccl.Cli.Preflight;

namespace Pccl.IntegrationTests.Preflight;

/// <summary>The deployment chapter's network table as preflight judges it: pass at the recommended value, warn down to the minimum, fail past it.</summary>
public class NetworkRequirementTests
{
    [Theory]
    [InlineData(1000.0, "pass")]
    [InlineData(999.9, "warn")]
    [InlineData(100.0, "warn")]
    [InlineData(99.9, "fail")]
    public void Bandwidth_is_a_floor(double mbps, string expected) => Assert.Equal(expected, NetworkRequirement.Bandwidth.Judge(mbps).StatusName);

    [Theory]
    [InlineData(0.0, "pass")]
    [InlineData(0.099, "pass")]
    [InlineData(0.1, "warn")]
    [InlineData(4.99, "warn")]
    [InlineData(5.0, "fail")]
    public void Packet_loss_must_stay_below_its_bounds(double percent, string expected) => Assert.Equal(expected, NetworkRequirement.PacketLoss.Judge(percent).StatusName);

    [Theory]
    [InlineData(99.0, "pass")]
    [InlineData(100.0, "warn")]
    [InlineData(500.0, "fail")]
    public void Rtt_must_stay_below_its_bounds(double ms, string expected) => Assert.Equal(expected, NetworkRequirement.Rtt.Judge(ms).StatusName);

    [Fact]
    public void Only_rows_that_do_not_pass_carry_advice()
    {
        Assert.Equal("", NetworkRequirement.Jitter.Judge(1).Advice);
        Assert.Equal(PreflightAdvice.Jitter, NetworkRequirement.Jitter.Judge(20).Advice);
        Assert.Equal(PreflightAdvice.Jitter, NetworkRequirement.Jitter.Judge(60).Advice);
    }

    [Fact]
    public void Probes_give_median_rtt_loss_and_jitter()
    {
        var probes = new UdpProbeResult(Sent: 10, RoundTripsMs: [1, 3, 2, 6]);

        Assert.Equal(60, probes.LossPercent);
        Assert.Equal(2.5, probes.MedianRttMs);
        Assert.Equal((2 + 1 + 4) / 3.0, probes.JitterMs, 9);
        Assert.Equal(100, new UdpProbeResult(Sent: 100, RoundTripsMs: []).LossPercent);
    }
}
