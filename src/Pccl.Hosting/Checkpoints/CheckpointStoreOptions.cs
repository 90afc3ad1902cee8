namespace Pccl.Hosting.Checkpoints;

/// <summary>Where shared-state checkpoints go and how many are kept.</summary>
public sealed record CheckpointStoreOptions
{
    /// <summary>The directory holding one <c>rev-&lt;revision&gt;.ckpt</c> file per checkpoint; one writer per directory.</summary>
    public required string Directory { get; init; }

    /// <summary>How many checkpoints (highest revisions) survive a write; at least 1. Default 3.</summary>
    public int KeepLast { get; init; } = 3;
}
