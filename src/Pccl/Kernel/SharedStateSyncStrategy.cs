namespace Pccl;

/// <summary>How a peer takes part in a shared-state synchronisation (as in PCCL).</summary>
public enum SharedStateSyncStrategy
{
    /// <summary>
    /// The peer votes with its content: per key, the content held by the most up-to-date peers wins by
    /// popularity (ties go to the content held by the lowest peer id). The peer sends when it holds the
    /// winning content and receives when it does not.
    /// </summary>
    EnforcePopular = 0,

    /// <summary>
    /// The peer expects to receive: its content neither votes nor is sent, and it takes the group's elected
    /// revision whatever it reported. Fails when no other peer holds the state.
    /// </summary>
    ReceiveOnly = 1,

    /// <summary>
    /// The peer asserts its content is the truth: it wins every key, it never receives, and it fails when
    /// it would have to (it is outdated, or another send-only peer holds different content).
    /// </summary>
    SendOnly = 2,
}
