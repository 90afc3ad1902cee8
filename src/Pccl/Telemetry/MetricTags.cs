namespace Pccl.Telemetry;

/// <summary>
/// Tag keys and the fixed sets of tag values PCCL reports. Every value set is closed so that the
/// exported series stay few; exporters pre-create these series at zero.
/// </summary>
internal static class MetricTags
{
    /// <summary>Tag key: the collective kind (see <see cref="Ops"/>).</summary>
    public const string Op = "op";

    /// <summary>Tag key: which traffic the bytes belong to (see <see cref="TrafficKinds"/>).</summary>
    public const string Kind = "kind";

    /// <summary>Tag key: why the master removed a peer (see <see cref="KickReasons"/>).</summary>
    public const string Reason = "reason";

    /// <summary>Tag key: <c>sent</c> or <c>received</c> (see <see cref="Directions"/>).</summary>
    public const string Direction = "direction";

    /// <summary>Tag key: the <see cref="PcclErrorCode"/> in snake_case.</summary>
    public const string Code = "code";

    /// <summary>Tag key: <c>peer</c> or <c>master</c>.</summary>
    public const string Role = "role";

    /// <summary>Collective kinds for <see cref="Op"/>.</summary>
    public static class Ops
    {
        /// <summary>A ring all-reduce.</summary>
        public const string AllReduce = "all_reduce";

        /// <summary>A shared-state synchronisation.</summary>
        public const string SharedStateSync = "shared_state_sync";

        /// <summary>A topology update vote.</summary>
        public const string TopologyUpdate = "topology_update";

        /// <summary>A bandwidth measurement between peers.</summary>
        public const string BandwidthTest = "bandwidth_test";

        /// <summary>All known values.</summary>
        public static readonly IReadOnlyList<string> All = [AllReduce, SharedStateSync, TopologyUpdate, BandwidthTest];
    }

    /// <summary>Traffic kinds for <see cref="Kind"/>.</summary>
    public static class TrafficKinds
    {
        /// <summary>Ring all-reduce payload.</summary>
        public const string Ring = "ring";

        /// <summary>Shared-state transfer payload.</summary>
        public const string State = "state";

        /// <summary>All known values.</summary>
        public static readonly IReadOnlyList<string> All = [Ring, State];
    }

    /// <summary>Kick reasons for <see cref="Reason"/>.</summary>
    public static class KickReasons
    {
        /// <summary>No heartbeat within network.heartbeat_timeout_ms.</summary>
        public const string HeartbeatTimeout = "heartbeat_timeout";

        /// <summary>The peer sent an undecodable or out-of-order message.</summary>
        public const string ProtocolViolation = "protocol_violation";

        /// <summary>The peer disagreed with the others on an operation or on shared state.</summary>
        public const string Mismatch = "mismatch";

        /// <summary>The peer could not connect to its ring neighbours.</summary>
        public const string TopologyFailure = "topology_failure";

        /// <summary>The peer was alive but silent past one of the master's deadlines (fault_tolerance.*_timeout_ms).</summary>
        public const string DeadlineMissed = "deadline_missed";

        /// <summary>Any other reason.</summary>
        public const string Other = "other";

        /// <summary>All known values.</summary>
        public static readonly IReadOnlyList<string> All = [HeartbeatTimeout, ProtocolViolation, Mismatch, TopologyFailure, DeadlineMissed, Other];

        /// <summary>Maps any reason string to a known value so that the label set stays closed.</summary>
        public static string Normalize(string reason) => All.Contains(reason) ? reason : Other;
    }

    /// <summary>Directions for <see cref="Direction"/>.</summary>
    public static class Directions
    {
        /// <summary>Bytes this process sent.</summary>
        public const string Sent = "sent";

        /// <summary>Bytes this process received.</summary>
        public const string Received = "received";

        /// <summary>All known values.</summary>
        public static readonly IReadOnlyList<string> All = [Sent, Received];
    }

    /// <summary>The <c>role</c> label value for a role.</summary>
    public static string RoleName(MetricRole role) => role == MetricRole.Master ? "master" : "peer";

    /// <summary>The <c>code</c> label value for an error code, e.g. <c>peer_lost</c>.</summary>
    public static string CodeName(PcclErrorCode code) => CodeNames.TryGetValue(code, out var name) ? name : "unknown";

    /// <summary>The <c>code</c> label values of every error code.</summary>
    public static IEnumerable<string> AllCodeNames => CodeNames.Values;

    private static readonly Dictionary<PcclErrorCode, string> CodeNames =
        Enum.GetValues<PcclErrorCode>().ToDictionary(c => c, c => ToSnakeCase(c.ToString()));

    private static string ToSnakeCase(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
