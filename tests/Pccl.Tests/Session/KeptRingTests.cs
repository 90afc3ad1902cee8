using Pccl.Operations.Session;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Session;

public class KeptRingTests
{
    private readonly KeptRing _kept = new();

    [Fact]
    public void AStartWithoutItsRingRunsOnTheRingKeptForItsRevision()
    {
        Assert.Null(_kept.Complete(Start(7, 3, 1, 2)));
        var brief = Start(7);

        Assert.Null(_kept.Complete(brief));

        Assert.Equal([3UL, 1, 2], brief.Ring);
    }

    [Fact]
    public void ANewerRingReplacesTheKeptOne()
    {
        _kept.Complete(Start(7, 3, 1, 2));
        _kept.Complete(Start(8, 1, 2));
        var brief = Start(8);

        Assert.Null(_kept.Complete(brief));

        Assert.Equal([1UL, 2], brief.Ring);
    }

    [Fact]
    public void AStartWithoutARingOfAnotherRevisionIsAProtocolProblemNamingBoth()
    {
        _kept.Complete(Start(7, 3, 1, 2));

        var problem = _kept.Complete(Start(9));

        Assert.NotNull(problem);
        Assert.Contains("ring revision 9", problem, StringComparison.Ordinal);
        Assert.Contains("revision 7", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AStartWithoutARingBeforeAnyRingIsAProtocolProblem()
    {
        var problem = _kept.Complete(Start(1));

        Assert.NotNull(problem);
        Assert.Contains("holds no ring", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AStartOfNoRevisionIsLeftAsItCameAndKeepsNothing()
    {
        var unnumbered = Start(0, 5, 6);
        Assert.Null(_kept.Complete(unnumbered));

        Assert.Equal([5UL, 6], unnumbered.Ring);
        Assert.NotNull(_kept.Complete(Start(1)));
    }

    private static CollectiveStart Start(ulong revision, params ulong[] ring)
    {
        var start = new CollectiveStart { Tag = 1, Sequence = 4, RingRevision = revision };
        start.Ring.AddRange(ring);
        return start;
    }
}
