using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

/// <summary><see cref="ScratchPool"/>: buffers sized to whole pages of what was asked, kept and handed out again.</summary>
public class ScratchPoolTests
{
    [Theory]
    [InlineData(1, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(5000, 8192)]
    [InlineData(100_000_000, 100_003_840)] // not the 134,217,728 of the next power of two
    public void ABufferIsTheRequestRoundedUpToWholePages(int requested, int expected)
    {
        var pool = new ScratchPool();

        Assert.Equal(expected, pool.Rent(requested).Length);
    }

    [Fact]
    public void AReturnedBufferIsHandedOutAgainForTheSameSize()
    {
        var pool = new ScratchPool();
        var first = pool.Rent(3 << 20);
        pool.Return(first);

        Assert.Same(first, pool.Rent(3 << 20));
        Assert.NotSame(first, pool.Rent(3 << 20));
    }
}
