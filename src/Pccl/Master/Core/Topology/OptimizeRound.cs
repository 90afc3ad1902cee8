namespace Pccl.Master.Core.Topology;

/// <summary>
/// A topology optimisation in progress: the measurement steps still to run (each a set of directed pairs that share no
/// peer's link), the pairs whose report the current step awaits, and when it started.
/// </summary>
internal sealed class OptimizeRound(Queue<List<BandwidthPair>> steps)
{
    public Queue<List<BandwidthPair>> Steps { get; } = steps;

    /// <summary>The current step's number on the wire; unique for the master's lifetime.</summary>
    public ulong Step { get; set; }

    public TimeSpan StepStartedAt { get; set; }

    public HashSet<BandwidthPair> Awaiting { get; } = [];
}

/// <summary>A directed measurement: <paramref name="From"/> sends to <paramref name="To"/>, both in <paramref name="Group"/>.</summary>
internal readonly record struct BandwidthPair(ulong From, ulong To, uint Group);
