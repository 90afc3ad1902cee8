using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The connections, identity and scratch memory one ring operation runs with, and the backup that must see every piece
/// before the ring writes into it. <see cref="Outgoing"/> and <see cref="Incoming"/> are one connection where a
/// schedule uses a link in both directions.
/// </summary>
internal sealed record RingTransfer(
    int Rank,
    uint Tag,
    ulong Sequence,
    EstablishedConnection Outgoing,
    EstablishedConnection Incoming,
    Memory<byte> SendScratch,
    Memory<byte> ReceiveScratch,
    Memory<byte> DecodeScratch,
    InputBackup? Backup)
{
    /// <summary>Told of every piece received and applied when a fault injector is set; null otherwise.</summary>
    public Faults.RingFaultSite? FaultSite { get; init; }

    /// <summary>How many stripes the sender spreads the operation over; every frame it writes says so.</summary>
    public int OutgoingStripes { get; init; } = 1;
}
