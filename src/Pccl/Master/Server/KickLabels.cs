using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Master.Server;

/// <summary>Maps the master's kick reasons to the closed <c>reason</c> label set of <c>pccl_peers_kicked_total</c>.</summary>
internal static class KickLabels
{
    /// <summary>The label for a kick reason.</summary>
    public static string For(KickReason reason) => reason switch
    {
        KickReason.HeartbeatTimeout => MetricTags.KickReasons.HeartbeatTimeout,
        KickReason.ProtocolViolation or KickReason.IllegalState or KickReason.LimitExceeded => MetricTags.KickReasons.ProtocolViolation,
        KickReason.DeadlineMissed => MetricTags.KickReasons.DeadlineMissed,
        _ => MetricTags.KickReasons.Other,
    };

    /// <summary>
    /// The label for a kick report's detail, which the core writes as <c>"{KickReason}: {message}"</c>;
    /// anything else is <c>other</c>.
    /// </summary>
    public static string ForDetail(string detail)
    {
        var colon = detail.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Enum.TryParse<KickReason>(detail.AsSpan(0, colon), out var reason) && Enum.IsDefined(reason)
            ? For(reason)
            : MetricTags.KickReasons.Other;
    }
}
