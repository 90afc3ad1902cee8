namespace Pccl.Master.Core;

/// <summary>
/// One kind of vote of the accepted peers (pending peers, topology update, topology optimisation) while it gathers: how
/// many voted, since when, and the accepted count last taken. The master lists its peers to decide a vote only once the
/// votes reach that count, so a vote of n peers costs it n cheap steps and one listing, not n listings.
/// </summary>
internal sealed class VoteTally
{
    /// <summary>Accepted peers whose vote is in (each <see cref="PeerRecord"/> carries its own flag).</summary>
    public int Votes { get; private set; }

    /// <summary>When the first vote of the round arrived; null while nobody's vote is in (earlier voters may have left).</summary>
    public TimeSpan? Since { get; private set; }

    /// <summary>The accepted peers counted at the last decision; the votes must reach it before the master lists them again.</summary>
    public int MembersCounted { get; set; }

    public void Add(TimeSpan now)
    {
        Since ??= now;
        Votes++;
    }

    /// <summary>A voter left: when it was the last, the next vote starts the round's clock again.</summary>
    public void Withdraw()
    {
        if (--Votes == 0)
        {
            Since = null;
        }
    }

    /// <summary>The round was decided: every flag was cleared with it.</summary>
    public void Clear()
    {
        Votes = 0;
        Since = null;
        MembersCounted = 0;
    }
}
