using System.Globalization;

namespace Pccl.Cli.Workload;

/// <summary>
/// A fault a test asks <c>pccl worker --inject-fault SPEC</c> to inject into itself. <c>KIND@STEP[:FRACTION]</c>: in
/// step STEP's all-reduce, once this peer has received and applied FRACTION of the operation's bytes (0, the default:
/// as soon as the ring is connected, before any data moves; <c>1/3</c> or <c>0.5</c>: while data moves), <c>kill</c>
/// SIGKILLs the worker, <c>stop</c> SIGSTOPs it (a hang), <c>break-ring</c> closes its ring connections with its
/// master connection left up and <c>cut-stream</c> cuts one of the striped connections it sends the operation on. <c>kill-serving@N</c> SIGKILLs it just before it sends its N-th shared-state block (N ≥ 1).
/// </summary>
internal sealed record FaultPlan(string Kind, int Step, double Fraction)
{
    public const string Format = "KIND@STEP[:FRACTION] with KIND kill, stop, break-ring or cut-stream and FRACTION in [0, 1) as 0.25 or 1/3, or kill-serving@N with N ≥ 1 (e.g. kill@5, stop@3:1/3, kill-serving@2)";

    /// <summary>Kills the worker while it serves shared state instead of during an all-reduce.</summary>
    public bool WhileServing => Kind == "kill-serving";

    /// <exception cref="PcclException"><see cref="PcclErrorCode.InvalidConfiguration"/> naming the expected format.</exception>
    public static FaultPlan Parse(string spec)
    {
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var kind = at > 0 ? spec[..at] : "";
        var stepText = at > 0 ? (colon > at ? spec[(at + 1)..colon] : spec[(at + 1)..]) : "";
        var fraction = 0.0;
        if (kind is not ("kill" or "stop" or "break-ring" or "cut-stream" or "kill-serving") || !int.TryParse(stepText, CultureInfo.InvariantCulture, out var step)
            || (colon > at && !TryParseFraction(spec[(colon + 1)..], out fraction))
            || (kind == "kill-serving" && (step < 1 || colon > at)))
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration, $"--inject-fault '{spec}' is not {Format}");
        }

        return new FaultPlan(kind, step, fraction);
    }

    private static bool TryParseFraction(string text, out double fraction)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        fraction = -1;
        if (slash < 0)
        {
            _ = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out fraction);
        }
        else if (int.TryParse(text[..slash], CultureInfo.InvariantCulture, out var numerator) && int.TryParse(text[(slash + 1)..], CultureInfo.InvariantCulture, out var denominator)
            && denominator > 0)
        {
            fraction = (double)numerator / denominator;
        }

        return fraction is >= 0 and < 1;
    }
}
