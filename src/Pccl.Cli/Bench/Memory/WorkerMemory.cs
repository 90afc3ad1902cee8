using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench.Memory;

/// <summary>
/// One buffer size's result of <c>pccl bench memory</c>: the resident memory of the largest worker while it ran in-place
/// float32 all-reduces of <see cref="BufferMb"/> with buffer backup, what it held beyond the buffer, and the target
/// of twice the buffer plus 48 MB (the buffer, its backup, and the worker's fixed share).
/// </summary>
internal sealed record WorkerMemory
{
    public const double FixedShareMb = 48;

    [JsonPropertyName("peers")] public int Peers { get; init; }

    /// <summary>The worker process measured: <c>pccl</c> (its hidden <c>bench recovery-worker</c>) or the NativeAOT <c>pccl-worker</c>'s path (<see cref="Recovery.BenchWorker"/>).</summary>
    [JsonPropertyName("worker")] public string Worker { get; init; } = "pccl";
    [JsonPropertyName("buffer_mb")] public double BufferMb { get; init; }

    /// <summary>The largest worker's resident memory (VmRSS) after its warm operations.</summary>
    [JsonPropertyName("rss_mb")] public double RssMb { get; init; }

    /// <summary>The largest worker's peak resident memory (VmHWM) over its life.</summary>
    [JsonPropertyName("peak_rss_mb")] public double PeakRssMb { get; init; }

    /// <summary>The largest proportional set size: shared pages (the runtime's libraries) count divided among their processes.</summary>
    [JsonPropertyName("pss_mb")] public double PssMb { get; init; }

    /// <summary>The largest anonymous memory on transparent huge pages (the backup and scratch ask for them).</summary>
    [JsonPropertyName("huge_pages_mb")] public double HugePagesMb { get; init; }

    /// <summary>What the worker holds beyond the caller's buffer: backup, scratch, lanes, the runtime.</summary>
    [JsonPropertyName("beyond_buffer_mb")] public double BeyondBufferMb => Math.Round(RssMb - BufferMb, 1);

    [JsonPropertyName("target_mb")] public double TargetMb => (2 * BufferMb) + FixedShareMb;

    [JsonPropertyName("target_met")] public bool TargetMet => RssMb <= TargetMb;
}

[JsonSerializable(typeof(WorkerMemory))]
internal sealed partial class MemoryJson : JsonSerializerContext;
