namespace Pccl.Master.Store;

/// <summary>The leader lease as the store holds it; times are milliseconds since 1970 on the store's clock.</summary>
/// <param name="Epoch">The current term; it rises each time the lease passes to a master (or back to one after it lapsed).</param>
/// <param name="Holder">The id of the master holding it; empty when nobody ever held it or it was released.</param>
/// <param name="Address">The holder's advertised control address (host:port).</param>
/// <param name="ExpiresMs">When the lease lapses unless renewed.</param>
internal sealed record LeaseRow(ulong Epoch, string Holder, string Address, long ExpiresMs)
{
    /// <summary>A store nobody has led yet.</summary>
    public static LeaseRow Empty { get; } = new(0, "", "", 0);

    /// <summary>Whether someone holds the lease at <paramref name="nowMs"/>.</summary>
    public bool IsHeldAt(long nowMs) => Holder.Length > 0 && ExpiresMs > nowMs;

    /// <summary>
    /// One attempt by <paramref name="holder"/> at <paramref name="nowMs"/>: renews its own live lease, takes a free or
    /// lapsed one as a new term, and leaves another master's live lease as it is. A master whose own lease lapsed gets a
    /// new term too: it stopped serving when its lease ended, so its old peers' sessions are over.
    /// </summary>
    public LeaseRow Attempt(string holder, string address, long nowMs, long ttlMs)
    {
        if (IsHeldAt(nowMs) && Holder != holder)
        {
            return this;
        }

        var epoch = IsHeldAt(nowMs) ? Epoch : Epoch + 1;
        return new LeaseRow(epoch, holder, address, nowMs + ttlMs);
    }

    /// <summary>What <paramref name="holder"/> learns from the row after its attempt.</summary>
    public LeaseOutcome OutcomeFor(string holder, long nowMs)
    {
        var held = IsHeldAt(nowMs);
        var remaining = held ? TimeSpan.FromMilliseconds(ExpiresMs - nowMs) : TimeSpan.Zero;
        return new LeaseOutcome(held && Holder == holder, Epoch, held ? Address : "", DateTimeOffset.FromUnixTimeMilliseconds(ExpiresMs), remaining);
    }
}
