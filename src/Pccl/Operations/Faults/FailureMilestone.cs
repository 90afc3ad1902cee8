namespace Pccl.Operations.Faults;

/// <summary>
/// A step of this peer's failure path in a started all-reduce, in the order the path takes them; an
/// <see cref="IFaultInjector"/> hears each one (<see cref="IFaultInjector.FailureMilestoneReached"/>) to time the path.
/// </summary>
internal enum FailureMilestone
{
    /// <summary>The schedule failed on its own: a ring link broke (end of stream, reset) or carried bad data.</summary>
    LinkBroken,

    /// <summary>The master's abort of the operation was read on the control link (on the link's read loop, beside the path).</summary>
    AbortReceived,

    /// <summary>The failure reached the operation's driver: the schedule stopped and its writes drained.</summary>
    Unwound,

    /// <summary>The operation's lanes are retired: no later operation takes their connections (closed beside the path).</summary>
    LanesRetired,

    /// <summary>The failure report is queued on the control link behind the retirement.</summary>
    MasterTold,

    /// <summary>The caller's buffer holds the input again.</summary>
    BufferRestored,

    /// <summary>The retired lanes' connections are closed, on the thread pool beside the path (it may come after the throw).</summary>
    LinksClosed,
}
