using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

public class RingIoGateTests
{
    [Fact]
    public async Task OperationsEnterInSequenceOrderEvenWhenALaterOneArrivesFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        var gate = new RingIoGate(1);
        gate.Expect(1);
        gate.Expect(2);
        var second = gate.EnterAsync(2, ct).AsTask();
        await Task.Delay(20, ct);
        Assert.False(second.IsCompleted); // 1 was announced first, so 2 may not overtake it

        var first = await gate.EnterAsync(1, ct);
        Assert.False(second.IsCompleted); // one slot, held by 1
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();
    }

    [Fact]
    public async Task AWithdrawnOperationStopsHoldingUpTheQueue()
    {
        var ct = TestContext.Current.CancellationToken;
        var gate = new RingIoGate(2);
        gate.Expect(7);
        var later = gate.EnterAsync(8, ct).AsTask();
        Assert.False(later.IsCompleted);
        gate.Withdraw(7);
        (await later.WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();
    }

    [Fact]
    public async Task SlotsBoundConcurrency()
    {
        var ct = TestContext.Current.CancellationToken;
        var gate = new RingIoGate(2);
        var a = await gate.EnterAsync(1, ct);
        var b = await gate.EnterAsync(2, ct);
        var c = gate.EnterAsync(3, ct).AsTask();
        Assert.False(c.IsCompleted);
        b.Dispose();
        (await c.WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();
        a.Dispose();
    }

    [Fact]
    public async Task ACancelledWaiterGivesUpItsTurn()
    {
        var ct = TestContext.Current.CancellationToken;
        var gate = new RingIoGate(1);
        var holder = await gate.EnterAsync(1, ct);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(2, cancel.Token).AsTask();
        var next = gate.EnterAsync(3, ct).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        holder.Dispose();
        (await next.WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();
    }
}
