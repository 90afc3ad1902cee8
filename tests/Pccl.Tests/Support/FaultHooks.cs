using Pccl.Operations.Faults;

namespace Pccl.Tests.Support;

/// <summary>An <see cref="IFaultInjector"/> made of the handlers a test sets; the points it leaves unset do nothing.</summary>
internal sealed class FaultHooks : IFaultInjector
{
    public Action<RingFaultSite>? OnRingStarted { get; init; }

    public Action<RingFaultSite>? OnBytesMoved { get; init; }

    public Func<CancellationToken, ValueTask>? OnStateBlockSending { get; init; }

    /// <summary>On <paramref name="peer"/>'s first all-reduce only, closes its ring connections as soon as its ring is up (master link stays up).</summary>
    public static void BreakRingOnce(Communicator peer)
    {
        var fired = 0;
        peer.FaultInjector = new FaultHooks
        {
            OnRingStarted = site =>
            {
                if (Interlocked.Exchange(ref fired, 1) == 0)
                {
                    site.BreakRingLinksAsync().AsTask().GetAwaiter().GetResult();
                }
            },
        };
    }

    /// <summary>Makes <paramref name="peer"/> leave the run (dispose its communicator) as soon as the ring of its next all-reduce is up.</summary>
    public static void LeaveAtRingStart(Communicator peer) =>
        peer.FaultInjector = new FaultHooks { OnRingStarted = _ => peer.DisposeAsync().AsTask().GetAwaiter().GetResult() };

    void IFaultInjector.RingStarted(RingFaultSite site) => OnRingStarted?.Invoke(site);

    void IFaultInjector.BytesMoved(RingFaultSite site) => OnBytesMoved?.Invoke(site);

    ValueTask IFaultInjector.StateBlockSendingAsync(CancellationToken ct) => OnStateBlockSending?.Invoke(ct) ?? ValueTask.CompletedTask;
}
