namespace Pccl.Master.Core.Topology;

/// <summary>
/// An asymmetric TSP heuristic for worlds too large to solve exactly: nearest-neighbour tours and the current one as
/// starts, improved by moves that are valid when a link costs differently in each direction (segment reversal with the
/// reversed segment re-priced, Or-opt moves that keep a segment's direction), then iterated from the best tour with
/// double-bridge kicks. Every candidate move evaluated spends one unit of a budget, so a solve's time is bounded by the
/// budget at any world size without a clock; the kicks are drawn from a fixed seed, so the answer is deterministic.
/// </summary>
internal static class TourSearch
{
    /// <summary>Candidate moves one solve may evaluate (a few hundred milliseconds at most).</summary>
    public const long DefaultMoveBudget = 5_000_000;

    /// <summary>Nearest-neighbour tours tried as starts, one from each of the first nodes.</summary>
    private const int NearestNeighbourStarts = 8;

    /// <summary>Kicks without a better tour after which the search stops, per node.</summary>
    private const int FruitlessKicksPerNode = 50;

    private const int MaxSegment = 3;

    public static int[] Solve(double[,] cost, IReadOnlyList<int> current, long moveBudget = DefaultMoveBudget)
    {
        var n = cost.GetLength(0);
        var budget = new MoveBudget(moveBudget);
        var starts = new List<int[]>();
        if (current.Count == n)
        {
            starts.Add([.. current]);
        }

        for (var s = 0; s < Math.Min(n, NearestNeighbourStarts); s++)
        {
            starts.Add(NearestNeighbour(cost, s));
        }

        int[]? best = null;
        var bestCost = double.PositiveInfinity;
        foreach (var start in starts)
        {
            Improve(cost, start, budget);
            var c = AtspSolver.Cost(cost, start);
            if (c < bestCost)
            {
                (best, bestCost) = (start, c);
            }

            if (budget.Spent)
            {
                break;
            }
        }

        var random = new Random(n);
        for (var fruitless = 0; fruitless < FruitlessKicksPerNode * n && !budget.Spent && n >= 8; fruitless++)
        {
            var candidate = DoubleBridge(best!, random);
            Improve(cost, candidate, budget);
            var c = AtspSolver.Cost(cost, candidate);
            if (c < bestCost - Tolerance(bestCost))
            {
                (best, bestCost) = (candidate, c);
                fruitless = 0;
            }
        }

        return AtspSolver.Rotate(best!);
    }

    private static int[] NearestNeighbour(double[,] cost, int start)
    {
        var n = cost.GetLength(0);
        var visited = new bool[n];
        var tour = new int[n];
        tour[0] = start;
        visited[start] = true;
        for (var i = 1; i < n; i++)
        {
            var from = tour[i - 1];
            var next = -1;
            for (var j = 0; j < n; j++)
            {
                if (!visited[j] && (next < 0 || cost[from, j] < cost[from, next]))
                {
                    next = j;
                }
            }

            tour[i] = next;
            visited[next] = true;
        }

        return tour;
    }

    /// <summary>Applies improving moves until none is left or the budget is spent.</summary>
    private static void Improve(double[,] cost, int[] tour, MoveBudget budget)
    {
        var improved = true;
        while (improved && !budget.Spent)
        {
            improved = TryReversal(cost, tour, budget) || TryOrOpt(cost, tour, budget);
        }
    }

    /// <summary>Reverses tour[i+1..j] when that is cheaper, pricing the reversed segment with prefix sums of both directions.</summary>
    private static bool TryReversal(double[,] cost, int[] tour, MoveBudget budget)
    {
        var n = tour.Length;
        var forward = new double[n];
        var backward = new double[n];
        for (var k = 1; k < n; k++)
        {
            forward[k] = forward[k - 1] + cost[tour[k - 1], tour[k]];
            backward[k] = backward[k - 1] + cost[tour[k], tour[k - 1]];
        }

        var tolerance = Tolerance(forward[n - 1]);
        for (var i = 0; i < n - 2; i++)
        {
            int a = tour[i], b = tour[i + 1];
            for (var j = i + 2; j < n; j++)
            {
                budget.Spend();
                int c = tour[j], d = tour[(j + 1) % n];
                var delta = cost[a, c] + cost[b, d] - cost[a, b] - cost[c, d]
                    + (backward[j] - backward[i + 1]) - (forward[j] - forward[i + 1]);
                if (delta < -tolerance)
                {
                    Array.Reverse(tour, i + 1, j - i);
                    return true;
                }
            }

            if (budget.Spent)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Moves a segment of up to <see cref="MaxSegment"/> nodes, direction kept, to a cheaper place.</summary>
    private static bool TryOrOpt(double[,] cost, int[] tour, MoveBudget budget)
    {
        var n = tour.Length;
        var tolerance = Tolerance(AtspSolver.Cost(cost, tour));
        for (var length = 1; length <= Math.Min(MaxSegment, n - 2); length++)
        {
            for (var s = 0; s < n; s++)
            {
                int prev = tour[(s - 1 + n) % n], first = tour[s], last = tour[(s + length - 1) % n], next = tour[(s + length) % n];
                var removed = cost[prev, first] + cost[last, next] - cost[prev, next];

                // Insert between tour[q] and tour[q + 1] for every q outside the segment and not its own place.
                for (var offset = length; offset < n - 1; offset++)
                {
                    budget.Spend();
                    int q = (s + offset) % n, p = tour[q], p1 = tour[(q + 1) % n];
                    var delta = cost[p, first] + cost[last, p1] - cost[p, p1] - removed;
                    if (delta < -tolerance)
                    {
                        MoveSegment(tour, s, length, offset);
                        return true;
                    }
                }

                if (budget.Spent)
                {
                    return false;
                }
            }
        }

        return false;
    }

    /// <summary>Takes tour[s..s+length) out and puts it back after the node <paramref name="offset"/> places after s.</summary>
    private static void MoveSegment(int[] tour, int s, int length, int offset)
    {
        var n = tour.Length;
        var rotated = new int[n];
        for (var k = 0; k < n; k++)
        {
            rotated[k] = tour[(s + k) % n]; // the segment first, then the rest in order
        }

        var rest = rotated.AsSpan(length);
        var insertAfter = offset - length; // index in rest of the node the segment follows
        var result = new List<int>(n);
        for (var k = 0; k < rest.Length; k++)
        {
            result.Add(rest[k]);
            if (k == insertAfter)
            {
                result.AddRange(rotated.AsSpan(0, length));
            }
        }

        result.CopyTo(tour);
    }

    /// <summary>A B C D becomes A C B D: a move no chain of the local moves above undoes easily, and valid in any direction.</summary>
    private static int[] DoubleBridge(int[] tour, Random random)
    {
        var n = tour.Length;
        var cuts = new SortedSet<int>();
        while (cuts.Count < 3)
        {
            cuts.Add(random.Next(1, n));
        }

        var (p1, p2, p3) = (cuts.Min, cuts.ElementAt(1), cuts.Max);
        return [.. tour[..p1], .. tour[p2..p3], .. tour[p1..p2], .. tour[p3..]];
    }

    /// <summary>Gains smaller than rounding in a sum of this size are noise, not improvements.</summary>
    private static double Tolerance(double scale) => 1e-12 * Math.Max(1.0, Math.Abs(scale));

    private sealed class MoveBudget(long moves)
    {
        private long _left = moves;

        public bool Spent => _left <= 0;

        public void Spend() => _left--;
    }
}
