using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench.Wan;

/// <summary>What <c>pccl bench wan-check</c> measured through the emulator against what it was configured to do.</summary>
internal sealed record WanCheckResult(
    [property: JsonPropertyName("rtt_ms_configured")] double RttMsConfigured,
    [property: JsonPropertyName("rtt_ms")] double RttMs,
    [property: JsonPropertyName("rate_mbit_configured")] double RateMbitConfigured,
    [property: JsonPropertyName("throughput_mbit")] double ThroughputMbit,
    [property: JsonPropertyName("streams")] int Streams,
    [property: JsonPropertyName("bytes")] long Bytes);
