namespace Pccl.Master.Core.Topology;

/// <summary>
/// The exact asymmetric TSP by dynamic programming over subsets (Held-Karp): the cheapest path from node 0 through
/// each subset of the other nodes ending at each node, O(2^n · n²) time.
/// </summary>
internal static class HeldKarp
{
    public static int[] Solve(double[,] cost)
    {
        var n = cost.GetLength(0);
        var others = n - 1;
        var subsets = 1 << others;

        // best[mask * others + last]: node 0, then the nodes of mask (bit k = node k + 1), ending at node last + 1.
        var best = new double[subsets * others];
        var previous = new sbyte[subsets * others];
        Array.Fill(best, double.PositiveInfinity);
        for (var k = 0; k < others; k++)
        {
            best[(1 << k) * others + k] = cost[0, k + 1];
            previous[(1 << k) * others + k] = -1;
        }

        for (var mask = 1; mask < subsets; mask++)
        {
            for (var last = 0; last < others; last++)
            {
                var here = best[mask * others + last];
                if ((mask & (1 << last)) == 0 || double.IsPositiveInfinity(here))
                {
                    continue;
                }

                for (var next = 0; next < others; next++)
                {
                    if ((mask & (1 << next)) != 0)
                    {
                        continue;
                    }

                    var to = (mask | (1 << next)) * others + next;
                    var candidate = here + cost[last + 1, next + 1];
                    if (candidate < best[to])
                    {
                        best[to] = candidate;
                        previous[to] = (sbyte)last;
                    }
                }
            }
        }

        var full = subsets - 1;
        var end = 0;
        for (var last = 1; last < others; last++)
        {
            if (best[full * others + last] + cost[last + 1, 0] < best[full * others + end] + cost[end + 1, 0])
            {
                end = last;
            }
        }

        var tour = new int[n];
        var at = end;
        for (int mask = full, i = n - 1; at >= 0; i--)
        {
            tour[i] = at + 1;
            var before = previous[mask * others + at];
            mask &= ~(1 << at);
            at = before;
        }

        return tour;
    }
}
