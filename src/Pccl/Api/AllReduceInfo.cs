namespace Pccl;

/// <summary>What one all-reduce did.</summary>
/// <param name="BytesSent">Payload bytes this peer sent to its ring neighbours.</param>
/// <param name="BytesReceived">Payload bytes this peer received from its ring neighbours.</param>
/// <param name="Duration">Wall time from the call to the master's confirmation.</param>
/// <param name="WorldSize">Peers that took part.</param>
/// <param name="Sequence">The master's number for this operation, the same on every peer that took part.</param>
/// <param name="Algorithm">The schedule that ran (<see cref="AllReduceAlgorithm.Ring"/>, <see cref="AllReduceAlgorithm.HalvingDoubling"/> or <see cref="AllReduceAlgorithm.Hierarchical"/>).</param>
public sealed record AllReduceInfo(long BytesSent, long BytesReceived, TimeSpan Duration, int WorldSize, ulong Sequence, AllReduceAlgorithm Algorithm)
{
    /// <summary>Failed attempts before this one succeeded (set by the retry helpers; 0 for a plain call).</summary>
    public int Retries { get; init; }

    /// <summary>Why the last failed attempt failed, when <see cref="Retries"/> is above 0.</summary>
    public PcclException? LastFailure { get; init; }

    /// <summary>
    /// The peers whose input is in the result, in the master's ring order: the ring of the attempt that succeeded, the
    /// same list on every peer that took part. Lets an application (or a test) account for exactly who contributed.
    /// </summary>
    public IReadOnlyList<ulong> PeerIds { get; init; } = [];

    /// <summary>
    /// The epoch of the master that numbered <see cref="Sequence"/>. Every leader numbers its operations from 1, so an
    /// operation is named across failovers by the pair (epoch, sequence); for one settled in doubt after its master was
    /// lost, this is the lost master's epoch, not <see cref="Communicator.MasterEpoch"/> at the time the call returned.
    /// </summary>
    public ulong MasterEpoch { get; init; }

    /// <summary>
    /// True when the master that started the operation was lost after this peer moved its data and the next leader's
    /// verdict completed it: the result stands, confirmed by a newer epoch than <see cref="MasterEpoch"/>.
    /// </summary>
    public bool SettledInDoubt { get; init; }
}
