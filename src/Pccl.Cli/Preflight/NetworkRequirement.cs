namespace Pccl.Cli.Preflight;

/// <summary>
/// One row of the deployment chapter's network requirements: a minimum and a recommended value, either a floor
/// (bandwidth: more is better) or a ceiling (round-trip time, packet loss, jitter: the measured value must stay below).
/// </summary>
internal sealed record NetworkRequirement(string Name, string Unit, double Minimum, double Recommended, bool HigherIsBetter, string Advice)
{
    /// <summary>Bandwidth: 100 Mbps minimum, 1 Gbps+ recommended.</summary>
    public static NetworkRequirement Bandwidth { get; } = new("bandwidth", "Mbps", 100, 1000, HigherIsBetter: true, PreflightAdvice.LowBandwidth);

    /// <summary>Round-trip time: under 500 ms, under 100 ms recommended.</summary>
    public static NetworkRequirement Rtt { get; } = new("rtt", "ms", 500, 100, HigherIsBetter: false, PreflightAdvice.HighRtt);

    /// <summary>Packet loss: under 5 %, under 0.1 % recommended.</summary>
    public static NetworkRequirement PacketLoss { get; } = new("packet_loss", "%", 5, 0.1, HigherIsBetter: false, PreflightAdvice.PacketLoss);

    /// <summary>Jitter: under 50 ms, under 10 ms recommended.</summary>
    public static NetworkRequirement Jitter { get; } = new("jitter", "ms", 50, 10, HigherIsBetter: false, PreflightAdvice.Jitter);

    /// <summary>The row for a measured value: pass at or better than recommended, warn between, fail past the minimum.</summary>
    public PreflightCheck Judge(double value)
    {
        var status = Meets(value, Recommended) ? CheckStatus.Pass : Meets(value, Minimum) ? CheckStatus.Warn : CheckStatus.Fail;
        return new PreflightCheck(Name, Math.Round(value, 3), Unit, Minimum, Recommended, status, status == CheckStatus.Pass ? "" : Advice);
    }

    /// <summary>The row when nothing could be measured.</summary>
    public PreflightCheck NotMeasured(string why) => new(Name, null, Unit, Minimum, Recommended, CheckStatus.Fail, why);

    private bool Meets(double value, double bound) => HigherIsBetter ? value >= bound : value < bound;
}
