using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// What <c>pccl bench wan-check</c> measured through the emulator against what it was configured to do. The round trips
/// are the fastest of their echoes, as ping reports its minimum: a busy host only ever adds to an echo, so the fastest
/// shows what the emulator itself adds; <c>rtt_median_ms</c> shows the host's share.
/// </summary>
internal sealed record WanCheckResult(
    [property: JsonPropertyName("rtt_ms_configured")] double RttMsConfigured,
    [property: JsonPropertyName("rtt_ms")] double RttMs,
    [property: JsonPropertyName("rtt_median_ms")] double RttMedianMs,
    [property: JsonPropertyName("ping_ms")] double PingMs,
    [property: JsonPropertyName("rate_mbit_configured")] double RateMbitConfigured,
    [property: JsonPropertyName("throughput_mbit")] double ThroughputMbit,
    [property: JsonPropertyName("streams")] int Streams,
    [property: JsonPropertyName("bytes")] long Bytes);
