using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// One size of a <c>bench wan</c> run as <c>--json</c> prints it. <c>ring</c> is each peer's datacentre label in the
/// master's ring order; <c>path_utilization</c> is the busiest emulated path direction's bytes (IP packets, headers and
/// acknowledgements included) per second of the slowest peer's time, over the path's rate (median over iterations);
/// <c>optimize_topology</c> whether the peers voted on a measured ring (<c>--optimize-topology</c>) first;
/// <c>iterations_s</c> and <c>path_utilization_per_iteration</c> each timed call's slowest-peer seconds and utilization,
/// in the order they ran, so a call slowed by the path (a congestion control's pause, a loss) shows beside the median.
/// </summary>
internal sealed record WanResult(
    [property: JsonPropertyName("peers")] int Peers,
    [property: JsonPropertyName("regions")] string Regions,
    [property: JsonPropertyName("join_order")] string JoinOrder,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("rtt_ms")] double RttMs,
    [property: JsonPropertyName("rate_mbit")] double RateMbit,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("connections_per_peer")] int? ConnectionsPerPeer,
    [property: JsonPropertyName("ring")] IReadOnlyList<string> Ring,
    [property: JsonPropertyName("median_s")] double MedianSeconds,
    [property: JsonPropertyName("busbw_gbps")] double BusBwGbps,
    [property: JsonPropertyName("path_utilization")] double PathUtilization,
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("optimize_topology")] bool OptimizeTopology = false)
{
    [JsonPropertyName("iterations_s")]
    public IReadOnlyList<double> IterationSeconds { get; init; } = [];

    [JsonPropertyName("path_utilization_per_iteration")]
    public IReadOnlyList<double> PathUtilizationPerIteration { get; init; } = [];
}
