using System.Text.Json.Serialization;
using Pccl.Cli.Bench;

namespace Pccl.Cli.Recovery;

/// <summary>
/// One kill's failure path at the survivor that raised its error last, phase by phase from the signal to the throw,
/// beside the teardown floor measured for the victim's resident memory. The phases follow one another, so they add up
/// to <see cref="TotalMs"/>: a milestone the survivor did not reach adds nothing.
/// </summary>
internal sealed record KillTimeline
{
    [JsonPropertyName("victim_rss_mb")] public double VictimRssMb { get; init; }
    [JsonPropertyName("victim_huge_page_mb")] public double VictimHugePageMb { get; init; }
    /// <summary>The median of <see cref="TeardownFloorSamplesMs"/>.</summary>
    [JsonPropertyName("teardown_floor_ms")] public double TeardownFloorMs { get; init; }

    /// <summary>Each helper's SIGKILL → end of stream, measured one after another after this kill's recovery.</summary>
    [JsonPropertyName("teardown_floor_samples_ms")] public IReadOnlyList<double> TeardownFloorSamplesMs { get; init; } = [];

    /// <summary>Whether the survivor first learned of the failure from a broken link or from the master's abort.</summary>
    [JsonPropertyName("detected_by")] public string DetectedBy { get; init; } = "";

    /// <summary>Signal → the first sign: a broken link (end of stream, reset) or the master's abort, whichever came first.</summary>
    [JsonPropertyName("detect_ms")] public double DetectMs { get; init; }

    /// <summary>First sign → the driver has the failure: the schedule stopped and its writes drained.</summary>
    [JsonPropertyName("unwind_ms")] public double UnwindMs { get; init; }

    /// <summary>→ lanes retired and their connections closed.</summary>
    [JsonPropertyName("retire_ms")] public double RetireMs { get; init; }

    /// <summary>→ failure report queued to the master.</summary>
    [JsonPropertyName("report_ms")] public double ReportMs { get; init; }

    /// <summary>→ buffer restored from the backup.</summary>
    [JsonPropertyName("restore_ms")] public double RestoreMs { get; init; }

    /// <summary>MiB of an in-place input the restore put back from the backup: what the operation had overwritten when it failed.</summary>
    [JsonPropertyName("restored_mb")] public double? RestoredMb { get; init; }

    /// <summary>→ the caller caught the error.</summary>
    [JsonPropertyName("throw_ms")] public double ThrowMs { get; init; }

    /// <summary>Signal → the caller caught the error: the sum of the phases.</summary>
    [JsonPropertyName("total_ms")] public double TotalMs { get; init; }

    /// <summary>Signal → this survivor read a broken link; null when it saw none.</summary>
    [JsonPropertyName("link_broken_ms")] public double? LinkBrokenMs { get; init; }

    /// <summary>Signal → this survivor read the master's abort; null when it read none before its error.</summary>
    [JsonPropertyName("abort_ms")] public double? AbortMs { get; init; }

    /// <summary>Retirement → the retired connections closed, beside the report and the restore; null when not closed before the error.</summary>
    [JsonPropertyName("close_ms")] public double? CloseMs { get; init; }

    /// <summary>How many failed attempts this survivor had before (0: its failure path ran for the first time, cold).</summary>
    [JsonPropertyName("earlier_failures")] public int EarlierFailures { get; init; }

    /// <summary>JIT compilation in this survivor's process from the driver's unwinding to the caught error.</summary>
    [JsonPropertyName("path_jit_ms")] public double PathJitMs { get; init; }

    /// <summary>Of that, during the retirement.</summary>
    [JsonPropertyName("retire_jit_ms")] public double? RetireJitMs { get; init; }

    /// <summary>Garbage-collection pauses from the driver's unwinding to the caught error.</summary>
    [JsonPropertyName("path_gc_pause_ms")] public double PathGcPauseMs { get; init; }

    /// <summary>JIT compilation in this survivor's process during <see cref="UnwindMs"/>; null without a first sign.</summary>
    [JsonPropertyName("unwind_jit_ms")] public double? UnwindJitMs { get; init; }

    /// <summary>Methods compiled during <see cref="UnwindMs"/>.</summary>
    [JsonPropertyName("unwind_jit_methods")] public long? UnwindJitMethods { get; init; }

    /// <summary>Garbage-collection pauses during <see cref="UnwindMs"/>.</summary>
    [JsonPropertyName("unwind_gc_pause_ms")] public double? UnwindGcPauseMs { get; init; }

    /// <summary>Thread-pool threads added during <see cref="UnwindMs"/>.</summary>
    [JsonPropertyName("unwind_pool_threads_added")] public int? UnwindPoolThreadsAdded { get; init; }

    [JsonPropertyName("over_floor_ms")] public double OverFloorMs => Math.Round(TotalMs - TeardownFloorMs, 2);

    /// <summary>The timeline of an error event stamped <paramref name="error"/>.TimeNs after a kill at <paramref name="killNs"/>.</summary>
    public static KillTimeline Of(long killNs, RecoveryEvent error, VictimMemory victim, IReadOnlyList<double> floorSamplesMs)
    {
        var marks = error.Marks ?? new FailureMarks();
        var firstSign = Earliest(marks.LinkBrokenNs, marks.AbortNs);
        var points = new[] { firstSign, marks.UnwoundNs, marks.RetiredNs, marks.ToldNs, marks.RestoredNs, error.TimeNs };
        var phases = new double[points.Length];
        var previous = killNs;
        for (var i = 0; i < points.Length; i++)
        {
            // a milestone missed, or stamped before the one it follows (the abort is read beside the path), adds nothing
            var at = Math.Max(previous, points[i] ?? previous);
            phases[i] = Ms(at - previous);
            previous = at;
        }

        return new KillTimeline
        {
            VictimRssMb = Math.Round(victim.ResidentMb, 1),
            VictimHugePageMb = Math.Round(victim.HugePageMb, 1),
            TeardownFloorMs = Math.Round(Statistics.Median(floorSamplesMs), 2),
            TeardownFloorSamplesMs = [.. floorSamplesMs.Select(f => Math.Round(f, 2))],
            DetectedBy = firstSign is null ? "none" : firstSign == marks.LinkBrokenNs ? "link" : "abort",
            DetectMs = phases[0],
            UnwindMs = phases[1],
            RetireMs = phases[2],
            ReportMs = phases[3],
            RestoreMs = phases[4],
            RestoredMb = marks.RestoredBytes is { } restored ? Math.Round(restored / (1024.0 * 1024.0), 1) : null,
            ThrowMs = phases[5],
            TotalMs = Ms(previous - killNs),
            LinkBrokenMs = marks.LinkBrokenNs is { } l ? Ms(l - killNs) : null,
            AbortMs = marks.AbortNs is { } a ? Ms(a - killNs) : null,
            CloseMs = marks.ClosedNs is { } c && marks.RetiredNs is { } r ? Ms(c - r) : null,
            EarlierFailures = marks.EarlierFailures,
            PathJitMs = marks.PathJitMs,
            RetireJitMs = marks.RetireJitMs,
            PathGcPauseMs = marks.PathGcPauseMs,
            UnwindJitMs = marks.UnwindJitMs,
            UnwindJitMethods = marks.UnwindJitMethods,
            UnwindGcPauseMs = marks.UnwindGcPauseMs,
            UnwindPoolThreadsAdded = marks.UnwindPoolThreadsAdded,
        };
    }

    private static long? Earliest(long? a, long? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        _ => Math.Min(a.Value, b.Value),
    };

    private static double Ms(long ns) => Math.Round(ns / 1e6, 2);
}
