using Pccl.Protocol.Messages;

namespace Pccl;

/// <summary>The error a peer's calls fail with once the master kicked it.</summary>
internal static class KickErrors
{
    /// <summary>
    /// A full cluster is the one kick a retry can get past (a slot frees when a peer leaves), and the handshake's refusal
    /// for the same condition is transient too. A master shutting down loses every peer at once: that is a lost master
    /// (transient; a communicator following its masters registers with the next leader). Every other kick removed this
    /// peer for something it did.
    /// </summary>
    public static PcclException From(Kick kick) => kick.Reason switch
    {
        KickReason.ClusterFull => new PcclException(PcclErrorCode.ClusterFull, $"the master refused this peer (cluster full): {kick.Message}", isTransient: true),
        KickReason.Shutdown => new PcclException(PcclErrorCode.MasterLost, $"the master is shutting down: {kick.Message}", isTransient: true),
        _ => new PcclException(PcclErrorCode.Kicked, $"the master removed this peer ({kick.Reason}): {kick.Message}"),
    };
}
