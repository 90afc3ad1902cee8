namespace Pccl.Transport.Heartbeats;

/// <summary>
/// Which sequence numbers a heartbeat receiver takes: only above the last one it took, and at most
/// <see cref="MaxJump"/> above it. Without the upper bound one datagram numbered 2^64-1 would make every later real
/// heartbeat look old.
/// </summary>
/// <remarks>
/// A peer numbers its pings one per interval, so a jump of n means n - 1 pings in a row were lost: about n intervals
/// of silence. Once that silence reaches the heartbeat timeout the master removes the peer (and the peer gives up on
/// the master), so a live session never jumps by more than about timeout / interval. A process that pauses (SIGSTOP,
/// a long GC pause) does not jump at all: its heartbeat thread stops with it and goes on with the next number. The
/// bound is twice timeout / interval, plus two for rounding and timer jitter, which also covers a peer configured
/// with half the master's interval.
/// </remarks>
internal readonly record struct HeartbeatSequenceWindow(ulong MaxJump)
{
    /// <summary>The window for heartbeats every <paramref name="interval"/> that time out after <paramref name="timeout"/>.</summary>
    public static HeartbeatSequenceWindow For(TimeSpan interval, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var intervals = (ulong)Math.Ceiling(timeout / interval);
        return new HeartbeatSequenceWindow((2 * intervals) + 2);
    }

    /// <summary>
    /// <see cref="HeartbeatDrop.None"/> when <paramref name="sequence"/> may follow <paramref name="lastTaken"/>;
    /// <see cref="HeartbeatDrop.Stale"/> when it is not above it, <see cref="HeartbeatDrop.TooFarAhead"/> when it is
    /// beyond the window.
    /// </summary>
    public HeartbeatDrop Check(ulong lastTaken, ulong sequence) =>
        sequence <= lastTaken ? HeartbeatDrop.Stale
        : sequence - lastTaken > MaxJump ? HeartbeatDrop.TooFarAhead
        : HeartbeatDrop.None;
}
