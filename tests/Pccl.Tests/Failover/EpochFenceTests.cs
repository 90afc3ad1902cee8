using Pccl.Operations.Session;

namespace Pccl.Tests.Failover;

/// <summary>The peer's epoch fence: nothing from a master older than the newest it has served under.</summary>
public class EpochFenceTests
{
    [Fact]
    public void AnOlderEpochIsDroppedAndCountedAndANewerOneRaisesTheFence()
    {
        var fence = new EpochFence();

        Assert.True(fence.Admit(3));
        Assert.True(fence.Admit(3));
        Assert.False(fence.Admit(2));
        Assert.True(fence.Admit(5));
        Assert.False(fence.Admit(4));

        Assert.Equal(5UL, fence.Newest);
        Assert.Equal(2, fence.StaleMessages);
        Assert.True(fence.IsStale(4));
        Assert.False(fence.IsStale(5));
    }

    [Fact]
    public void EpochZeroIsStaleOnlyOnceAnEpochAboveZeroWasSeen()
    {
        var fence = new EpochFence();

        Assert.True(fence.Admit(0));
        Assert.False(fence.IsStale(0));
        Assert.True(fence.Admit(1));
        Assert.False(fence.Admit(0));
        Assert.True(fence.IsStale(0));
        Assert.Equal(1, fence.StaleMessages);
    }
}
