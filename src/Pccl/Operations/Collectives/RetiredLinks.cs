namespace Pccl.Operations.Collectives;

/// <summary>
/// The connections of lanes just retired (<see cref="LaneTable.Retire"/>): no operation takes them any more, and closing
/// them is all that is left. Closing tells a neighbour that has not noticed the failure yet, but nothing on this peer's
/// failure path depends on it, so the path hands it to the thread pool (<see cref="CloseInBackground"/>) and goes on to
/// report, restore and throw: a socket's close runs synchronously, and cold (a peer's first failure) it costs as much
/// as the rest of the path.
/// </summary>
internal sealed class RetiredLinks(List<RingLink> links)
{
    private readonly List<RingLink> _links = links;

    /// <summary>Adds the links of another retirement to this one's.</summary>
    public void Add(RetiredLinks other) => _links.AddRange(other._links);

    /// <summary>Closes every link, one after another; never throws.</summary>
    public async Task CloseAsync()
    {
        foreach (var link in _links)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes every link on the thread pool; <paramref name="closed"/> runs once they are closed.</summary>
    public Task CloseInBackground(Action? closed = null) => _links.Count == 0 && closed is null
        ? Task.CompletedTask
        : Task.Run(async () =>
        {
            await CloseAsync().ConfigureAwait(false);
            closed?.Invoke();
        });
}
