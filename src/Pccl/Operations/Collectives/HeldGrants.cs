using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The start grants this peer holds, one per tag (<c>performance.start_grants</c>): the next operation on a tag that the
/// master started in the complete of the one before, with that one's parameters. A call on the tag with the same
/// parameters takes it (so peers that take it agree on the operation, and its hierarchy was planned for it); the
/// master's abort of a granted operation drops it. Taking and dropping exclude each other, so an abort either finds the
/// grant (nobody runs the operation here) or the call that took it (and fails that call).
/// </summary>
internal sealed class HeldGrants
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, CollectiveGrant> _grants = [];

    public void Hold(CollectiveGrant grant)
    {
        lock (_gate)
        {
            _grants[grant.Start.Tag] = grant;
        }
    }

    /// <summary>
    /// Takes the grant of <paramref name="tag"/> when it was granted with <paramref name="parameters"/>, and runs
    /// <paramref name="begin"/> with its start before any abort can see it gone; null when there is none to take. A
    /// grant with other parameters stays held: the master cancels it when it reads this peer's init, and the abort
    /// drops it.
    /// </summary>
    public CollectiveStart? Take(uint tag, CollectiveDescriptor parameters, Action<CollectiveStart> begin)
    {
        lock (_gate)
        {
            if (!_grants.TryGetValue(tag, out var grant) || !grant.Parameters.Equals(parameters))
            {
                return null;
            }

            _grants.Remove(tag);
            begin(grant.Start);
            return grant.Start;
        }
    }

    /// <summary>Drops the grant of <paramref name="sequence"/> on <paramref name="tag"/>; returns its start, or null when none was held.</summary>
    public CollectiveStart? Drop(uint tag, ulong sequence)
    {
        lock (_gate)
        {
            return _grants.TryGetValue(tag, out var grant) && grant.Start.Sequence == sequence && _grants.Remove(tag) ? grant.Start : null;
        }
    }

    /// <summary>The master is gone, and its grants with it.</summary>
    public void DropAll()
    {
        lock (_gate)
        {
            _grants.Clear();
        }
    }
}
