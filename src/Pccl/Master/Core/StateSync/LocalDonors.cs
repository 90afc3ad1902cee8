namespace Pccl.Master.Core.StateSync;

/// <summary>
/// Keeps shared state inside a region: each receiver pulls a tensor only from the donors whose region label shares
/// the most levels with its own (the same label first, then the same parent, and so on), and crosses to farther
/// regions only for a tensor no nearer donor holds. Without labels every donor is equally near and nothing changes.
/// </summary>
internal static class LocalDonors
{
    /// <summary>The plan with each receiver's donors narrowed to its nearest ones; <paramref name="regionOf"/> gives a peer's label.</summary>
    public static SharedStateSyncPlan Prefer(SharedStateSyncPlan plan, Func<ulong, string> regionOf)
    {
        var assignments = plan.Peers.Select(peer =>
        {
            if (peer.Receive.Count == 0)
            {
                return peer;
            }

            var home = regionOf(peer.PeerId);
            return peer with { Receive = [.. peer.Receive.Select(t => t with { Donors = Nearest(t.Donors, home, regionOf) })] };
        });
        return plan with { Peers = [.. assignments] };
    }

    private static IReadOnlyList<ulong> Nearest(IReadOnlyList<ulong> donors, string home, Func<ulong, string> regionOf)
    {
        var nearness = donors.Select(d => Nearness(home, regionOf(d))).ToList();
        var best = nearness.Max();
        return [.. donors.Where((_, i) => nearness[i] == best)];
    }

    /// <summary>How many leading levels two labels share; the same label is nearest of all.</summary>
    private static int Nearness(string a, string b)
    {
        if (a == b)
        {
            return int.MaxValue;
        }

        var left = a.Split('/');
        var right = b.Split('/');
        var shared = 0;
        while (shared < left.Length && shared < right.Length && left[shared] == right[shared])
        {
            shared++;
        }

        return shared;
    }
}
