namespace Pccl.Cli.Chaos;

/// <summary>The fields of a worker's step line that the referee checks.</summary>
internal sealed record ChaosStep(
    ulong PeerId,
    ulong Sequence,
    int WorldSize,
    string ResultHash,
    IReadOnlyList<ulong>? Peers,
    ulong? InputKey,
    string? InputHash,
    ulong Revision,
    string StateHash,
    int Retries);
