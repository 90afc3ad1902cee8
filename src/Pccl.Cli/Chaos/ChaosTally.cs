namespace Pccl.Cli.Chaos;

/// <summary>What the referee counted during a chaos run.</summary>
internal sealed class ChaosTally
{
    public int WorkersStarted { get; set; }
    public int Kills { get; set; }
    public int Stops { get; set; }
    public int Evicted { get; set; }
    public int Steps { get; set; }
    public int Operations { get; set; }
    public int RetriedSteps { get; set; }
    public int Disagreements { get; set; }
    public int WrongSums { get; set; }
    public int MaxWorld { get; set; }
    public TimeSpan LongestStall { get; set; }
    public int Resumes { get; set; }
    public int TotalLosses { get; set; }
    public int Recoveries { get; set; }
    public ulong? LostRevision { get; set; }
    public ulong? CheckpointRevision { get; set; }
}
