namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// The failure of a hierarchy's rings that the operation reports: the first one that failed on its own, not one that
/// stopped because another ring had failed first (those end cancelled, or broken by the abort).
/// </summary>
internal sealed class StageFailures
{
    private Exception? _first;

    public Exception? First => Volatile.Read(ref _first);

    /// <summary>Keeps <paramref name="failure"/> if it is the first; always true, to be used as an exception filter.</summary>
    /// <param name="failure">What a ring, or its wait for an earlier ring, failed with.</param>
    /// <param name="stopped">Whether the operation was already being stopped when it failed.</param>
    public bool Keep(Exception failure, bool stopped)
    {
        if (!stopped)
        {
            Interlocked.CompareExchange(ref _first, failure, null);
        }

        return true;
    }
}
