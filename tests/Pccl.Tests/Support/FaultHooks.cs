using Pccl.Operations.Faults;

namespace Pccl.Tests.Support;

/// <summary>An <see cref="IFaultInjector"/> made of the handlers a test sets; the points it leaves unset do nothing.</summary>
internal sealed class FaultHooks : IFaultInjector
{
    public Func<RingFaultSite, ValueTask>? OnRingStarted { get; init; }

    public Func<RingFaultSite, ValueTask>? OnBytesMoved { get; init; }

    public Func<CancellationToken, ValueTask>? OnStateBlockSending { get; init; }

    /// <summary>Runs when an attempt has failed and the library has restored the buffer.</summary>
    public Action<uint, PcclException>? OnAllReduceFailed { get; init; }

    /// <summary>Runs when a failed attempt has put bytes of its input back into the buffer (how many).</summary>
    public Action<long>? OnInputRestored { get; init; }

    /// <summary>On <paramref name="peer"/>'s first all-reduce only, closes its ring connections as soon as its ring is up (master link stays up).</summary>
    public static void BreakRingOnce(Communicator peer)
    {
        var fired = 0;
        peer.FaultInjector = new FaultHooks
        {
            OnRingStarted = site => Interlocked.Exchange(ref fired, 1) == 0 ? site.BreakRingLinksAsync() : ValueTask.CompletedTask,
        };
    }

    /// <summary>Makes <paramref name="peer"/> leave the run (dispose its communicator) as soon as the ring of its next all-reduce is up.</summary>
    public static void LeaveAtRingStart(Communicator peer) =>
        peer.FaultInjector = new FaultHooks { OnRingStarted = _ => peer.DisposeAsync() };

    ValueTask IFaultInjector.RingStartedAsync(RingFaultSite site) => OnRingStarted?.Invoke(site) ?? ValueTask.CompletedTask;

    ValueTask IFaultInjector.BytesMovedAsync(RingFaultSite site, long moved) => OnBytesMoved?.Invoke(site) ?? ValueTask.CompletedTask;

    void IFaultInjector.AllReduceFailed(uint tag, PcclException failure) => OnAllReduceFailed?.Invoke(tag, failure);

    void IFaultInjector.InputRestored(ulong sequence, long bytes) => OnInputRestored?.Invoke(bytes);

    ValueTask IFaultInjector.StateBlockSendingAsync(CancellationToken ct) => OnStateBlockSending?.Invoke(ct) ?? ValueTask.CompletedTask;
}
