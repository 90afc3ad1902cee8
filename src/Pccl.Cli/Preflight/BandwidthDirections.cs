using System.Globalization;

namespace Pccl.Cli.Preflight;

/// <summary>
/// The bandwidth row from both directions of the link to the master: judged by the lower, whose direction the advice
/// names together with both figures (links are often asymmetric: an upload cap, a shaped egress).
/// </summary>
internal static class BandwidthDirections
{
    public static PreflightCheck Judge(double toHostMbps, double toMasterMbps)
    {
        var check = NetworkRequirement.Bandwidth.Judge(Math.Min(toHostMbps, toMasterMbps));
        var lower = toMasterMbps < toHostMbps ? "this host -> master" : "master -> this host";
        var measured = string.Format(CultureInfo.InvariantCulture,
            "lower direction: {0} (master -> this host {1:0.#} Mbps, this host -> master {2:0.#} Mbps)", lower, toHostMbps, toMasterMbps);
        return check with { Advice = check.Advice.Length == 0 ? measured : $"{measured}; {check.Advice}" };
    }
}
