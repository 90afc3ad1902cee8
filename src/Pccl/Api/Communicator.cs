using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Operations.Collectives;
using Pccl.Operations.Faults;
using Pccl.Operations.Membership;
using Pccl.Operations.Session;
using Pccl.Operations.StateSync;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl;

/// <summary>
/// A peer of a PCCL run: connects to the master, joins by vote, and runs collectives with the other peers of its group.
/// Create with <see cref="ConnectAsync"/>; dispose to leave the run. With
/// <see cref="CommunicatorOptions.MasterReconnectTimeout"/> set it follows the leader among
/// <see cref="CommunicatorOptions.MasterEndpoints"/>: a lost master fails the calls in flight with a transient
/// <see cref="PcclErrorCode.MasterLost"/>, later calls wait until it is registered and accepted again
/// (<see cref="MasterChanged"/>), and the retry helpers ride through.
/// </summary>
public sealed class Communicator : IAsyncDisposable
{
    private readonly MasterFollower _follower;
    private readonly AllReduceRetry _retry;

    private Communicator(CommunicatorOptions options, ILogger logger)
    {
        _follower = new MasterFollower(this, options, logger, e => MasterChanged?.Invoke(this, e));
        _retry = new AllReduceRetry(_follower);
    }

    /// <summary>
    /// Raised when this peer registered with a new master after losing its previous one (on a library thread; the
    /// handler must not block). Its <see cref="PeerId"/> and <see cref="P2PPort"/> may have changed.
    /// </summary>
    public event EventHandler<MasterChangedEventArgs>? MasterChanged;

    /// <summary>The epoch of the newest master this peer has served under (0 while its masters name none).</summary>
    public ulong MasterEpoch => _follower.Fence.Newest;

    private PeerSession Session => _follower.Current.Session;

    /// <summary>
    /// True while this peer's current registration has ended (its master lost, or this peer removed) and no later
    /// registration took its place yet: what a readiness probe reports as not ready.
    /// </summary>
    internal bool RegistrationLost => Session.FatalReason is not null;

    /// <summary>
    /// Waits until this peer is registered with a master that still serves it: returns at once when it is, waits for
    /// the follow to the next leader after a lost master, and throws the loss when there is none to follow.
    /// </summary>
    internal async Task FollowLeaderAsync(CancellationToken ct)
    {
        var current = await _follower.SettledAsync(ct).ConfigureAwait(false);
        if (current.Session.FatalReason is { } lost)
        {
            await _follower.SuccessorAsync(current, lost, ct).ConfigureAwait(false);
        }
    }

    /// <summary>This peer's id, assigned by the master.</summary>
    public ulong PeerId => Session.PeerId;

    /// <summary>The p2p port this peer listens on (first free port of the configured range).</summary>
    public int P2PPort => Session.Listener?.Port ?? 0;

    /// <summary>Accepted peers in the whole run.</summary>
    public int GlobalWorldSize => Session.World.GlobalSize;

    /// <summary>Accepted peers in this peer's group.</summary>
    public int GroupWorldSize => Session.World.GroupSize;

    /// <summary>Number of peer groups with accepted peers.</summary>
    public int GroupCount => Session.World.GroupCount;

    /// <summary>Accepted peers in the largest group.</summary>
    public int LargestGroupWorldSize => Session.World.LargestGroupSize;

    /// <summary>This peer's group.</summary>
    public uint PeerGroup => Session.Options.PeerGroup;

    /// <summary>The options this communicator runs with.</summary>
    public CommunicatorOptions Options => Session.Options;

    /// <summary>
    /// Smoothed round-trip time of heartbeats to the master (exponential average, gain 1/8); null until the first
    /// answer arrives.
    /// </summary>
    public TimeSpan? HeartbeatRtt => Session.Heartbeats.Sender?.Rtt.Smoothed;

    /// <summary>Round-trip time of the latest answered heartbeat; null until the first answer arrives.</summary>
    public TimeSpan? LastHeartbeatRtt => Session.Heartbeats.Sender?.Rtt.Last;

    /// <summary>Consulted at the named fault points of this peer's operations (<see cref="IFaultInjector"/>); null in production.</summary>
    internal IFaultInjector? FaultInjector
    {
        get => _follower.FaultInjector;
        set => _follower.FaultInjector = value;
    }

    /// <summary>Readings and switches of this peer's internals (of its current registration) that the public API does not show; for tests.</summary>
    internal PeerDiagnostics Diagnostics => _follower.Current.Diagnostics;

    /// <summary>
    /// Connects to the master, registers, and returns once this peer is accepted into the run (the first peer at once;
    /// later peers when every accepted peer votes with <see cref="UpdateTopologyAsync"/>).
    /// </summary>
    public static async Task<Communicator> ConnectAsync(CommunicatorOptions options, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RingChunkSize < sizeof(double))
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"performance.ring_chunk_size is {options.RingChunkSize} bytes; it must hold at least one element of every type (8 bytes): the default is 4194304");
        }

        if (options.ConnectionsPerPeer is { } stripes and (< 1 or > Protocol.Codec.RingStripes.Max))
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"performance.connections_per_peer is {stripes}; it must be between 1 and {Protocol.Codec.RingStripes.Max}, or auto (the default)");
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Pccl.Communicator");
        var communicator = new Communicator(options, logger);
        try
        {
            await communicator._follower.StartAsync(ct).ConfigureAwait(false);
            return communicator;
        }
        catch
        {
            await communicator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// All-reduces <paramref name="buffer"/> in place with the other peers of this group. Every peer gets bit-identical
    /// results. On a transient failure (a peer lost) the buffer holds its original input again when buffer backup is on
    /// (the default); with backup off its content is undefined and the exception says so.
    /// </summary>
    public async Task<AllReduceInfo> AllReduceAsync<T>(Memory<T> buffer, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged => await (await _follower.ReadyAsync(ct).ConfigureAwait(false)).AllReduces.RunAsync(null, buffer, options ?? AllReduceOptions.Default, ct).ConfigureAwait(false);

    /// <summary>All-reduces <paramref name="send"/> into <paramref name="receive"/> (same length); <paramref name="send"/> is not modified.</summary>
    public async Task<AllReduceInfo> AllReduceAsync<T>(ReadOnlyMemory<T> send, Memory<T> receive, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged => send.Length == receive.Length
            ? await (await _follower.ReadyAsync(ct).ConfigureAwait(false)).AllReduces.RunAsync(send, receive, options ?? AllReduceOptions.Default, ct).ConfigureAwait(false)
            : throw new PcclException(PcclErrorCode.InvalidArgument, $"send has {send.Length} elements but receive has {receive.Length}");

    /// <summary>
    /// All-reduces <paramref name="buffer"/> in place like <see cref="AllReduceAsync{T}(Memory{T}, AllReduceOptions?, CancellationToken)"/>,
    /// and when an attempt fails with a transient error (a peer was lost) retries it with the remaining peers, at most
    /// <see cref="CommunicatorOptions.MaxRecoveryAttempts"/> times. Each retry starts from the original input (buffer
    /// backup). The result's <see cref="AllReduceInfo.Retries"/> counts the failed attempts.
    /// </summary>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.TooFewPeers"/> when the group shrank below two peers (wait for peers, then call again);
    /// when the attempts are used up, an error with the last attempt's code that counts the attempts and wraps the last
    /// failure (<see cref="Exception.InnerException"/>); with buffer backup off, the first failure itself; any
    /// non-transient error at once.
    /// </exception>
    public async Task<AllReduceInfo> AllReduceWithRetryAsync<T>(Memory<T> buffer, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged =>
        (await _retry.RunManyAsync([new AllReduceOperation<T>(buffer, options ?? AllReduceOptions.Default)], maxInFlight: 1, ct).ConfigureAwait(false))[0];

    /// <summary>
    /// Runs a batch of in-place all-reduces with up to <paramref name="maxInFlight"/> of them in flight at once, each on
    /// its own tag (as PCCL's <c>pcclAllReduceMultipleWithRetry</c>). An operation that fails with a transient error is
    /// launched again with the remaining peers (its buffer restored) until every operation has succeeded; each
    /// operation may fail at most <see cref="CommunicatorOptions.MaxRecoveryAttempts"/> times. Operations are launched
    /// lowest index first, so peers that call this with the same list stay in step. Results are in the order of
    /// <paramref name="operations"/>.
    /// </summary>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.InvalidArgument"/> for duplicate tags or <paramref name="maxInFlight"/> below 1;
    /// <see cref="PcclErrorCode.TooFewPeers"/> when the group shrank below two peers; otherwise the first error that
    /// stopped the batch, thrown once the operations in flight have finished.
    /// </exception>
    public Task<IReadOnlyList<AllReduceInfo>> AllReduceManyWithRetryAsync<T>(IReadOnlyList<AllReduceOperation<T>> operations, int maxInFlight, CancellationToken ct = default)
        where T : unmanaged => _retry.RunManyAsync(operations, maxInFlight, ct);

    /// <summary>
    /// Votes to admit waiting peers. Returns when every accepted peer has voted and all of them (old and new) reached
    /// their ring neighbours. Throws a transient <see cref="PcclErrorCode.TopologyFailed"/> when some could not; vote again.
    /// A peer that is alive but does not vote, or does not report its ring connections, is removed by the master after
    /// its <c>fault_tolerance.vote_timeout_ms</c> or <c>topology_timeout_ms</c>, so a silent peer never holds this call longer.
    /// </summary>
    public Task UpdateTopologyAsync(CancellationToken ct = default) =>
        PcclActivities.TraceAsync(() => PcclActivities.StartVote(PcclActivities.VoteKinds.TopologyUpdate, GroupWorldSize), async _ =>
        {
            var membership = (await _follower.ReadyAsync(ct).ConfigureAwait(false)).Membership;
            if (await membership.VoteAsync(new ControlMessage { TopologyVote = new TopologyVote() }, ct).ConfigureAwait(false) is VoteReply.TopologyFailed failed)
            {
                throw new PcclException(PcclErrorCode.TopologyFailed, $"topology update failed: {failed.Reason}; vote again", isTransient: true);
            }

            return GroupWorldSize;
        }, worldSize => worldSize);

    /// <summary>
    /// Votes to optimize the ring order (as PCCL's <c>pcclOptimizeTopology</c>): when every accepted peer has voted, the
    /// peers measure their throughput to the peers the master names (pairs it has not measured yet, several at once
    /// where they share no peer), and the master orders each group's ring by solving an asymmetric travelling-salesman
    /// problem over the measured costs. A better ring is adopted by every peer together before this returns; an
    /// unchanged one returns at once after the measurements. A pair that cannot connect is marked unusable and a peer
    /// lost during the measurements is left out: the vote still completes.
    /// </summary>
    /// <exception cref="PcclException">
    /// A transient <see cref="PcclErrorCode.TopologyFailed"/> when a peer could not reach its new ring neighbour (the old
    /// order stays); vote again.
    /// </exception>
    public async Task OptimizeTopologyAsync(CancellationToken ct = default)
    {
        var registration = await _follower.ReadyAsync(ct).ConfigureAwait(false);
        if (await registration.Membership.VoteAsync(new ControlMessage { TopologyOptimizeVote = new TopologyOptimizeVote() }, ct).ConfigureAwait(false) is VoteReply.TopologyFailed failed)
        {
            throw new PcclException(PcclErrorCode.TopologyFailed, $"topology optimisation failed: {failed.Reason}; the ring order stays as it was: vote again", isTransient: true);
        }

        registration.Session.Logger.TopologyOptimized(registration.Session.World.Ring);
    }

    /// <summary>Asks, by a vote of all accepted peers, whether peers are waiting to be admitted. Every peer gets the same answer.</summary>
    public Task<bool> ArePeersPendingAsync(CancellationToken ct = default) =>
        PcclActivities.TraceAsync(() => PcclActivities.StartVote(PcclActivities.VoteKinds.PendingPeers, GroupWorldSize), async _ =>
            await (await _follower.ReadyAsync(ct).ConfigureAwait(false)).Membership.VoteAsync(new ControlMessage { PendingPeersVote = new PendingPeersVote() }, ct)
                .ConfigureAwait(false) is VoteReply.PeersPending { Pending: true },
            _ => GroupWorldSize);

    /// <summary>
    /// Synchronises <paramref name="state"/> with every peer of this group (as PCCL's pcclSynchronizeSharedState). Each
    /// peer sends the master only hashes; the master elects the revision and the content per key; peers that are outdated
    /// or diverged pull only their dirty tensors, from all peers holding the elected content at once, and verify them by
    /// hash. Returns when every receiver of the group is done; <paramref name="state"/> then holds the elected content and
    /// revision. Do not touch the state's buffers until this returns: other peers may be reading them.
    /// </summary>
    /// <param name="state">The shared state; its <see cref="SharedState.Revision"/> must be the group's last revision plus one (or equal to it).</param>
    /// <param name="strategy">How this peer takes part.</param>
    /// <param name="ct">Cancelling before the master answers leaves the run (the group would wait for this peer otherwise).</param>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.SharedStateMismatch"/> when the peers' states cannot be reconciled (message names the key and
    /// peers); a transient <see cref="PcclErrorCode.PeerLost"/> or <see cref="PcclErrorCode.Aborted"/> when a peer was lost
    /// or failed mid-way: retry; <see cref="PcclErrorCode.IntegrityFailure"/> when received bytes failed verification.
    /// </exception>
    public Task<SharedStateSyncInfo> SyncSharedStateAsync(
        SharedState state, SharedStateSyncStrategy strategy = SharedStateSyncStrategy.EnforcePopular, CancellationToken ct = default)
        => PcclActivities.TraceAsync(() => PcclActivities.StartSharedStateSync(GroupWorldSize), async activity =>
        {
            var info = await (await _follower.ReadyAsync(ct).ConfigureAwait(false)).SharedState.SyncAsync(state, strategy, ct).ConfigureAwait(false);
            activity?.SetTag(PcclActivities.Tags.Bytes, (long)(info.TxBytes + info.RxBytes)).SetTag(PcclActivities.Tags.Revision, (long)info.Revision);
            return info;
        }, _ => GroupWorldSize);

    /// <summary>Leaves the run: tells the master, closes every connection.</summary>
    public ValueTask DisposeAsync() => _follower.DisposeAsync();
}
