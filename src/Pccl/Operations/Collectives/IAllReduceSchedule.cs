namespace Pccl.Operations.Collectives;

/// <summary>One all-reduce's data movement between the ring's neighbours, once the master has started it.</summary>
internal interface IAllReduceSchedule
{
    /// <summary>Payload bytes written to neighbours.</summary>
    long BytesSent { get; }

    /// <summary>Payload bytes read from neighbours.</summary>
    long BytesReceived { get; }

    /// <summary>Moves and reduces until this peer holds the result; throws on a neighbour's failure or bad data.</summary>
    Task RunAsync(CancellationToken ct);
}
