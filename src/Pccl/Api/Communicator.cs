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
/// Create with <see cref="ConnectAsync"/>; dispose to leave the run.
/// </summary>
public sealed class Communicator : IAsyncDisposable
{
    private readonly PeerSession _session;
    private readonly PeerMembership _membership;
    private readonly AllReduceDriver _allReduces;
    private readonly AllReduceRetry _retry;
    private readonly SharedStateSync _sharedState;

    private Communicator(CommunicatorOptions options, ConnectionSecurity security, ILogger logger)
    {
        _session = new PeerSession(this, options, security, logger);
        _membership = new PeerMembership(_session);
        _allReduces = new AllReduceDriver(_session);
        _retry = new AllReduceRetry(_session, _allReduces);
        _sharedState = new SharedStateSync(_session);
        Diagnostics = new PeerDiagnostics(_session);
    }

    /// <summary>This peer's id, assigned by the master.</summary>
    public ulong PeerId => _session.PeerId;

    /// <summary>The p2p port this peer listens on (first free port of the configured range).</summary>
    public int P2PPort => _session.Listener?.Port ?? 0;

    /// <summary>Accepted peers in the whole run.</summary>
    public int GlobalWorldSize => _session.World.GlobalSize;

    /// <summary>Accepted peers in this peer's group.</summary>
    public int GroupWorldSize => _session.World.GroupSize;

    /// <summary>Number of peer groups with accepted peers.</summary>
    public int GroupCount => _session.World.GroupCount;

    /// <summary>Accepted peers in the largest group.</summary>
    public int LargestGroupWorldSize => _session.World.LargestGroupSize;

    /// <summary>This peer's group.</summary>
    public uint PeerGroup => _session.Options.PeerGroup;

    /// <summary>The options this communicator runs with.</summary>
    public CommunicatorOptions Options => _session.Options;

    /// <summary>
    /// Smoothed round-trip time of heartbeats to the master (exponential average, gain 1/8); null until the first
    /// answer arrives.
    /// </summary>
    public TimeSpan? HeartbeatRtt => _session.Heartbeats.Sender?.Rtt.Smoothed;

    /// <summary>Round-trip time of the latest answered heartbeat; null until the first answer arrives.</summary>
    public TimeSpan? LastHeartbeatRtt => _session.Heartbeats.Sender?.Rtt.Last;

    /// <summary>Consulted at the named fault points of this peer's operations (<see cref="IFaultInjector"/>); null in production.</summary>
    internal IFaultInjector? FaultInjector
    {
        get => _session.FaultInjector;
        set => _session.FaultInjector = value;
    }

    /// <summary>Readings and switches of this peer's internals that the public API does not show; for tests.</summary>
    internal PeerDiagnostics Diagnostics { get; }

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

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Pccl.Communicator");
        var communicator = new Communicator(options, SecurityFactory.Create(options.Tls, options.Auth), logger);
        try
        {
            var dispatch = new MasterDispatch(communicator._session, communicator._membership, communicator._allReduces, communicator._sharedState);
            await communicator._session.JoinAsync(dispatch, ct).ConfigureAwait(false);
            await communicator._membership.WaitForAdmissionAsync(ct).ConfigureAwait(false);
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
    public Task<AllReduceInfo> AllReduceAsync<T>(Memory<T> buffer, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged => _allReduces.RunAsync(null, buffer, options ?? AllReduceOptions.Default, ct);

    /// <summary>All-reduces <paramref name="send"/> into <paramref name="receive"/> (same length); <paramref name="send"/> is not modified.</summary>
    public Task<AllReduceInfo> AllReduceAsync<T>(ReadOnlyMemory<T> send, Memory<T> receive, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged => send.Length == receive.Length
            ? _allReduces.RunAsync(send, receive, options ?? AllReduceOptions.Default, ct)
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
            if (await _membership.VoteAsync(new ControlMessage { TopologyVote = new TopologyVote() }, ct).ConfigureAwait(false) is VoteReply.TopologyFailed failed)
            {
                throw new PcclException(PcclErrorCode.TopologyFailed, $"topology update failed: {failed.Reason}; vote again", isTransient: true);
            }

            return GroupWorldSize;
        }, worldSize => worldSize);

    /// <summary>Asks, by a vote of all accepted peers, whether peers are waiting to be admitted. Every peer gets the same answer.</summary>
    public Task<bool> ArePeersPendingAsync(CancellationToken ct = default) =>
        PcclActivities.TraceAsync(() => PcclActivities.StartVote(PcclActivities.VoteKinds.PendingPeers, GroupWorldSize), async _ =>
            await _membership.VoteAsync(new ControlMessage { PendingPeersVote = new PendingPeersVote() }, ct).ConfigureAwait(false) is VoteReply.PeersPending { Pending: true },
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
            var info = await _sharedState.SyncAsync(state, strategy, ct).ConfigureAwait(false);
            activity?.SetTag(PcclActivities.Tags.Bytes, (long)(info.TxBytes + info.RxBytes)).SetTag(PcclActivities.Tags.Revision, (long)info.Revision);
            return info;
        }, _ => GroupWorldSize);

    /// <summary>Leaves the run: tells the master, closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync().ConfigureAwait(false);
        _membership.Dispose();
    }
}
