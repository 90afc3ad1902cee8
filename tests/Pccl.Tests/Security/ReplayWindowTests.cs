using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

public sealed class ReplayWindowTests
{
    [Fact]
    public void InOrderSequence_IsAccepted()
    {
        var window = new ReplayWindow();

        for (ulong seq = 0; seq < 1000; seq++)
        {
            Assert.True(window.TryAccept(seq));
        }
    }

    [Fact]
    public void ReorderedWithinWindow_IsAcceptedOnce()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryAccept(100));
        Assert.True(window.TryAccept(103));

        Assert.True(window.TryAccept(101));
        Assert.True(window.TryAccept(102));
        const ulong oldestInWindow = 103 - (ReplayWindow.Size - 1);
        Assert.True(window.TryAccept(oldestInWindow));
        Assert.False(window.TryAccept(101));
        Assert.False(window.TryAccept(oldestInWindow));
    }

    [Fact]
    public void Duplicate_IsRejected()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryAccept(7));

        Assert.False(window.TryAccept(7));
        Assert.True(window.TryAccept(8));
        Assert.False(window.TryAccept(8));
        Assert.False(window.TryAccept(7));
    }

    [Fact]
    public void OlderThanWindow_IsRejected_EvenIfNeverSeen()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryAccept(1000));

        Assert.True(window.IsFresh(1000 - ReplayWindow.Size + 1));
        Assert.False(window.IsFresh(1000 - ReplayWindow.Size));
        Assert.False(window.TryAccept(1000 - ReplayWindow.Size));
        Assert.False(window.TryAccept(0));
        Assert.True(window.TryAccept(1000 - ReplayWindow.Size + 1));
    }

    [Fact]
    public void BigJump_ForgetsEverythingBehindTheNewWindow()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryAccept(5));

        Assert.True(window.TryAccept(5 + 10_000));
        Assert.False(window.TryAccept(5));
        Assert.True(window.TryAccept(5 + 10_000 - 1));
    }

    [Fact]
    public void JumpOfExactlyTheWindow_KeepsOnlyTheNewHighest()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryAccept(10));

        Assert.True(window.TryAccept(10 + ReplayWindow.Size));
        Assert.False(window.IsFresh(10));
        Assert.True(window.IsFresh(11));
    }

    [Fact]
    public void IsFresh_DoesNotRecord()
    {
        var window = new ReplayWindow();
        Assert.True(window.IsFresh(3));
        Assert.True(window.IsFresh(3));
        Assert.True(window.TryAccept(3));
        Assert.False(window.IsFresh(3));
    }

    [Fact]
    public void SequenceNumbersNearTheTopOfTheRange_Work()
    {
        var window = new ReplayWindow();

        Assert.True(window.TryAccept(ulong.MaxValue - 1));
        Assert.True(window.TryAccept(ulong.MaxValue));
        Assert.False(window.TryAccept(ulong.MaxValue - 1));
        Assert.True(window.TryAccept(ulong.MaxValue - 2));
    }
}
