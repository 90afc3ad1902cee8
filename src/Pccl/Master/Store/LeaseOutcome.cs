namespace Pccl.Master.Store;

/// <summary>The result of one lease attempt.</summary>
/// <param name="Granted">Whether the caller holds the lease now.</param>
/// <param name="Epoch">The current term.</param>
/// <param name="LeaderAddress">The holder's advertised address; empty when nobody holds the lease.</param>
/// <param name="Expires">When the lease lapses, on the store's clock.</param>
/// <param name="Remaining">How long the lease had left when the store decided (its expiry less its own now); zero when nobody holds it.</param>
internal sealed record LeaseOutcome(bool Granted, ulong Epoch, string LeaderAddress, DateTimeOffset Expires, TimeSpan Remaining);
