namespace Pccl.Master.Core.Topology;

/// <summary>
/// Which pairs measure at the same time: a round-robin tournament (the circle method) splits every pair of a group
/// into rounds where no peer appears twice, so the measurements of one round share no peer's link.
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
}
