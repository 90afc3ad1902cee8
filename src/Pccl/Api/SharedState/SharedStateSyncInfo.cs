namespace Pccl;

/// <summary>What a shared-state synchronisation did on this peer.</summary>
/// <param name="TxBytes">Bytes this peer sent to other peers.</param>
/// <param name="RxBytes">Bytes this peer received (0 when it was up to date).</param>
/// <param name="Revision">The revision the group agreed on; the shared state now holds it.</param>
/// <param name="Duration">Wall time of the whole synchronisation, election included.</param>
public sealed record SharedStateSyncInfo(ulong TxBytes, ulong RxBytes, ulong Revision, TimeSpan Duration);
