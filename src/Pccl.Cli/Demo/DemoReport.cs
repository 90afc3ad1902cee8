using System.Text.Json.Serialization;

namespace Pccl.Cli.Demo;

/// <summary>One worker of the demo as its summary shows it: <c>fate</c> is <c>killed</c> (the SIGKILLed one) or <c>stopped</c> (shut down at the end).</summary>
internal sealed record DemoWorkerReport(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("peer")] ulong Peer,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("retries")] int Retries,
    [property: JsonPropertyName("last_world")] int LastWorld,
    [property: JsonPropertyName("median_allreduce_ms")] double MedianAllReduceMs,
    [property: JsonPropertyName("fate")] string Fate);

/// <summary>
/// What <c>pccl demo --json</c> prints at the end: the workers, the checked summary, and <c>passed</c> (no result or
/// shared-state disagreement; the exit code is 0 exactly when it is true).
/// </summary>
internal sealed record DemoReport(
    [property: JsonPropertyName("peers")] int Peers,
    [property: JsonPropertyName("steps_per_phase")] int StepsPerPhase,
    [property: JsonPropertyName("workers")] IReadOnlyList<DemoWorkerReport> Workers,
    [property: JsonPropertyName("summary")] DemoSummary Summary,
    [property: JsonPropertyName("passed")] bool Passed);

[JsonSerializable(typeof(DemoReport))]
internal sealed partial class DemoJson : JsonSerializerContext;
