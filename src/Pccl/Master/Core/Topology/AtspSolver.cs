namespace Pccl.Master.Core.Topology;

/// <summary>
/// Orders a ring by solving the asymmetric travelling-salesman problem over a cost matrix (<c>cost[i, j]</c>: the cost of
/// sending from node i to node j): exact (<see cref="HeldKarp"/>) up to <see cref="ExactMaxNodes"/> nodes, a bounded
/// local search (<see cref="TourSearch"/>) beyond. Pure: no clocks, no randomness, the same answer for the same input.
/// </summary>
internal static class AtspSolver
{
    /// <summary>The largest world solved exactly; Held-Karp's table grows as 2^n · n.</summary>
    public const int ExactMaxNodes = 12;

    /// <summary>
    /// The best tour found, as node indices starting at node 0, never costlier than <paramref name="current"/> (a tour
    /// over the same nodes, or empty when there is none).
    /// </summary>
    public static int[] Solve(double[,] cost, IReadOnlyList<int> current)
    {
        var n = cost.GetLength(0);
        if (cost.GetLength(1) != n)
        {
            throw new ArgumentException($"the cost matrix is {n}x{cost.GetLength(1)}; it must be square", nameof(cost));
        }

        if (current.Count != 0 && (current.Count != n || current.Distinct().Count() != n || current.Any(i => i < 0 || i >= n)))
        {
            throw new ArgumentException($"the current tour must visit each of the {n} nodes once", nameof(current));
        }

        if (n <= 3)
        {
            return BestOfSmall(cost, n);
        }

        var found = n <= ExactMaxNodes ? HeldKarp.Solve(cost) : TourSearch.Solve(cost, current);
        return current.Count == n && Cost(cost, current) <= Cost(cost, found) ? Rotate(current) : found;
    }

    /// <summary>The cost of the closed tour <paramref name="tour"/>.</summary>
    public static double Cost(double[,] cost, IReadOnlyList<int> tour)
    {
        var total = 0.0;
        for (var i = 0; i < tour.Count; i++)
        {
            total += cost[tour[i], tour[(i + 1) % tour.Count]];
        }

        return total;
    }

    /// <summary>The same cyclic order, starting at node 0.</summary>
    public static int[] Rotate(IReadOnlyList<int> tour)
    {
        var start = tour.ToList().IndexOf(0);
        return [.. Enumerable.Range(0, tour.Count).Select(i => tour[(start + i) % tour.Count])];
    }

    /// <summary>With three nodes there are two tours (one per direction); with fewer, one.</summary>
    private static int[] BestOfSmall(double[,] cost, int n)
    {
        int[] forward = [.. Enumerable.Range(0, n)];
        if (n < 3)
        {
            return forward;
        }

        int[] backward = [0, 2, 1];
        return Cost(cost, backward) < Cost(cost, forward) ? backward : forward;
    }
}
