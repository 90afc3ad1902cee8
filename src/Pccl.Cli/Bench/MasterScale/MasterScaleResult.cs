using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench.MasterScale;

/// <summary>
/// One peer count's figures, as <c>bench master-scale --json</c> prints them: how long the join storm took until every
/// peer was accepted; the collective round (every peer starts, reports done, learns it completed) p50/p99; the pending-
/// peers vote and shared-state hash round p50; the master's CPU at rest with every peer heartbeating, its CPU per
/// collective round (all of it, and without the heartbeats' share at the rate measured at rest), its peak resident
/// memory; and the simulated fleet's own CPU per collective round (this process, its heartbeats' share taken out
/// likewise), which shares the machine with the master.
/// </summary>
internal sealed record MasterScaleResult(
    [property: JsonPropertyName("peers")] int Peers,
    [property: JsonPropertyName("admitted")] int Admitted,
    [property: JsonPropertyName("join_s")] double JoinSeconds,
    [property: JsonPropertyName("round_p50_ms")] double RoundP50Ms,
    [property: JsonPropertyName("round_p99_ms")] double RoundP99Ms,
    [property: JsonPropertyName("vote_p50_ms")] double VoteP50Ms,
    [property: JsonPropertyName("state_p50_ms")] double StateP50Ms,
    [property: JsonPropertyName("heartbeat_cpu_cores")] double HeartbeatCpuCores,
    [property: JsonPropertyName("master_cpu_ms_per_round")] double MasterCpuMsPerRound,
    [property: JsonPropertyName("round_cpu_ms_without_heartbeats")] double RoundCpuMsWithoutHeartbeats,
    [property: JsonPropertyName("rss_mb")] double RssMb,
    [property: JsonPropertyName("fleet_round_cpu_ms_without_heartbeats")] double FleetRoundCpuMsWithoutHeartbeats,
    [property: JsonPropertyName("heartbeat_interval_ms")] int HeartbeatIntervalMs);
