using System.Diagnostics;
using Pccl.Master.Core.Topology;

namespace Pccl.Tests.Master.Topology;

public sealed class AtspSolverTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Exact_solution_equals_brute_force_on_random_asymmetric_matrices(int n)
    {
        for (var seed = 0; seed < 5; seed++)
        {
            var cost = RandomMatrix(n, seed);
            var tour = AtspSolver.Solve(cost, []);

            AssertIsTour(tour, n);
            Assert.Equal(BruteForce(cost), AtspSolver.Cost(cost, tour), 9);
        }
    }

    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    public void Heuristic_is_within_a_few_percent_of_the_exact_optimum(int n)
    {
        for (var seed = 0; seed < 5; seed++)
        {
            var cost = RandomMatrix(n, 100 + seed);
            var optimum = AtspSolver.Cost(cost, HeldKarp.Solve(cost));
            var watch = Stopwatch.StartNew();
            var tour = TourSearch.Solve(cost, []);
            watch.Stop();

            AssertIsTour(tour, n);
            Assert.InRange(AtspSolver.Cost(cost, tour), optimum, optimum * 1.03);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the search took {watch.Elapsed}");
        }
    }

    [Theory]
    [InlineData(30)]
    [InlineData(60)]
    public void Heuristic_finds_a_planted_optimum_on_large_worlds_inside_its_budget(int n)
    {
        // One hidden tour costs 1 per hop, every other hop 2..10: the optimum is exactly n, and no tour costs less.
        var random = new Random(n);
        var hidden = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        var cost = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                cost[i, j] = i == j ? 0 : 2 + (8 * random.NextDouble());
            }
        }

        for (var k = 0; k < n; k++)
        {
            cost[hidden[k], hidden[(k + 1) % n]] = 1;
        }

        var watch = Stopwatch.StartNew();
        var tour = AtspSolver.Solve(cost, [.. Enumerable.Range(0, n)]);
        watch.Stop();

        AssertIsTour(tour, n);
        Assert.InRange(AtspSolver.Cost(cost, tour), n, n * 1.03);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the search took {watch.Elapsed}");
    }

    [Fact]
    public void Never_returns_a_tour_costlier_than_the_current_one()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var n = 13 + (seed % 5);
            var cost = RandomMatrix(n, 500 + seed);
            var current = TourSearch.Solve(cost, [], moveBudget: 1_000_000);

            var tour = AtspSolver.Solve(cost, current);

            Assert.True(AtspSolver.Cost(cost, tour) <= AtspSolver.Cost(cost, current));
        }
    }

    [Fact]
    public void An_unusable_pair_is_avoided_when_a_tour_without_it_exists()
    {
        var cost = RandomMatrix(6, 7);
        cost[0, 1] = 1e6;
        cost[3, 4] = 1e6;

        var tour = AtspSolver.Solve(cost, []);

        Assert.True(AtspSolver.Cost(cost, tour) < 1e6);
    }

    [Fact]
    public void Two_datacentres_joined_alternately_are_crossed_twice()
    {
        // Peers 0 and 2 in one datacentre, 1 and 3 in the other; the id order 0 1 2 3 crosses four times.
        var cost = new double[4, 4];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                cost[i, j] = i == j ? 0 : (i % 2 == j % 2 ? 1 : 100);
            }
        }

        var tour = AtspSolver.Solve(cost, [0, 1, 2, 3]);

        Assert.Equal(2, Enumerable.Range(0, 4).Count(k => tour[k] % 2 != tour[(k + 1) % 4] % 2));
    }

    [Fact]
    public void A_malformed_current_tour_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => AtspSolver.Solve(RandomMatrix(4, 1), [0, 1, 1, 2]));
        Assert.Contains("each of the 4 nodes once", error.Message, StringComparison.Ordinal);
    }

    private static void AssertIsTour(int[] tour, int n)
    {
        Assert.Equal(n, tour.Length);
        Assert.Equal(Enumerable.Range(0, n), tour.Order());
        Assert.Equal(0, tour[0]);
    }

    private static double[,] RandomMatrix(int n, int seed)
    {
        var random = new Random(seed);
        var cost = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                cost[i, j] = i == j ? 0 : 1 + (99 * random.NextDouble());
            }
        }

        return cost;
    }

    private static double BruteForce(double[,] cost)
    {
        var n = cost.GetLength(0);
        var best = double.PositiveInfinity;
        var rest = Enumerable.Range(1, n - 1).ToArray();
        foreach (var permutation in Permutations(rest, 0))
        {
            best = Math.Min(best, AtspSolver.Cost(cost, [0, .. permutation]));
        }

        return best;
    }

    private static IEnumerable<int[]> Permutations(int[] items, int from)
    {
        if (from == items.Length)
        {
            yield return items;
            yield break;
        }

        for (var i = from; i < items.Length; i++)
        {
            (items[from], items[i]) = (items[i], items[from]);
            foreach (var p in Permutations(items, from + 1))
            {
                yield return p;
            }

            (items[from], items[i]) = (items[i], items[from]);
        }
    }
}
