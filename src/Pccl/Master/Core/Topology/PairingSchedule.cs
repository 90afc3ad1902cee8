namespace Pccl.Master.Core.Topology;

/// <summary>
/// Which pairs measure at the same time: a round-robin tournament (the circle method) splits every pair of a group
/// into rounds where no peer appears twice, so the measurements of one round share no peer's link. Peers of different
/// regions reach each other over the path between their regions, which all such pairs share: a round measures at
/// most one pair per pair of regions (<see cref="SharingNoPath"/>), else each would see its share of the path and not
/// its rate.
/// </summary>
internal static class PairingSchedule
{
    /// <summary>Rounds of disjoint pairs covering each pair of <paramref name="peers"/> once: n - 1 rounds (n even) or n (odd).</summary>
    public static List<List<(ulong A, ulong B)>> Rounds(IReadOnlyList<ulong> peers)
    {
        var seats = peers.Select(p => (ulong?)p).ToList();
        if (seats.Count % 2 == 1)
        {
            seats.Add(null); // the peer seated opposite sits this round out
        }

        var rounds = new List<List<(ulong A, ulong B)>>();
        for (var r = 0; r < seats.Count - 1; r++)
        {
            var round = new List<(ulong A, ulong B)>();
            for (var i = 0; i < seats.Count / 2; i++)
            {
                if (seats[i] is { } a && seats[seats.Count - 1 - i] is { } b)
                {
                    round.Add((a, b));
                }
            }

            rounds.Add(round);
            var last = seats[^1];
            seats.RemoveAt(seats.Count - 1);
            seats.Insert(1, last); // the first seat stays, the others turn by one
        }

        return rounds;
    }

    /// <summary>
    /// Splits each round so that no two of its pairs join the same two different regions; pairs within one region
    /// stay in the round's first part. The order of the rounds, and of the pairs in them, is kept.
    /// </summary>
    public static List<List<(ulong A, ulong B)>> SharingNoPath(List<List<(ulong A, ulong B)>> rounds, Func<ulong, string> regionOf)
    {
        var split = new List<List<(ulong A, ulong B)>>();
        foreach (var round in rounds)
        {
            var parts = new List<List<(ulong A, ulong B)>> { new() };
            var used = new Dictionary<(string, string), int>();
            foreach (var pair in round)
            {
                var (a, b) = (regionOf(pair.A), regionOf(pair.B));
                if (a == b)
                {
                    parts[0].Add(pair);
                    continue;
                }

                var path = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
                var part = used.GetValueOrDefault(path);
                used[path] = part + 1;
                if (part == parts.Count)
                {
                    parts.Add([]);
                }

                parts[part].Add(pair);
            }

            split.AddRange(parts.Where(p => p.Count > 0));
        }

        return split;
    }
}
