using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Operations.Collectives;
using Pccl.Operations.Membership;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl;

/// <summary>
/// A peer of a PCCL run: connects to the master, joins by vote, and runs collectives with the other peers of its group.
/// Create with <see cref="ConnectAsync"/>; dispose to leave the run.
/// </summary>
public sealed partial class Communicator : IAsyncDisposable
{
    private readonly CommunicatorOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionSecurity _security;
    private readonly SemaphoreSlim _membershipGate = new(1, 1);
    private readonly ConcurrentDictionary<uint, CollectiveCall> _collectives = new();
    private readonly ScratchPool _scratch = new();
    private readonly RingIoGate _ioGate;
    private readonly TaskCompletionSource _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PeerIdentity _identity = new();
    private readonly MemberDirectory _members = new();
    private P2PListener? _listener;
    private ControlLink? _link;
    private LaneTable? _lanes;
    private volatile WorldView _world = WorldView.Empty;
    private TaskCompletionSource<ControlMessage>? _membershipReply;
    private PcclException? _fatal;
    private ulong _lastSequence;
    private int _disposed;

    /// <summary>A ring connection from the predecessor that no operation takes within this long is closed.</summary>
    internal static readonly TimeSpan UnusedLaneDeadline = TimeSpan.FromSeconds(30);

    private Communicator(CommunicatorOptions options, ConnectionSecurity security, ILogger logger)
    {
        _options = options;
        _security = security;
        _logger = logger;
        _ioGate = new RingIoGate(options.NumIoThreads);
    }

    /// <summary>This peer's id, assigned by the master.</summary>
    public ulong PeerId { get; private set; }

    /// <summary>The p2p port this peer listens on (first free port of the configured range).</summary>
    public int P2PPort => _listener?.Port ?? 0;

    /// <summary>Accepted peers in the whole run.</summary>
    public int GlobalWorldSize => _world.GlobalSize;

    /// <summary>Accepted peers in this peer's group.</summary>
    public int GroupWorldSize => _world.GroupSize;

    /// <summary>Number of peer groups with accepted peers.</summary>
    public int GroupCount => _world.GroupCount;

    /// <summary>Accepted peers in the largest group.</summary>
    public int LargestGroupWorldSize => _world.LargestGroupSize;

    /// <summary>This peer's group.</summary>
    public uint PeerGroup => _options.PeerGroup;

    /// <summary>This registration's p2p identity; for tests that speak as a member.</summary>
    internal PeerIdentity IdentityForTest => _identity;

    /// <summary>The options this communicator runs with.</summary>
    public CommunicatorOptions Options => _options;

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
            await communicator.JoinAsync(ct).ConfigureAwait(false);
            return communicator;
        }
        catch
        {
            await communicator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task JoinAsync(CancellationToken ct)
    {
        _lanes = new LaneTable(() => PeerId, _identity, _options.ClusterId, _security, _options.ConnectTimeout, UnusedLaneDeadline);
        var gatekeeper = new P2PGatekeeper(() => PeerId, _members, _options.ConnectTimeout / 2); // refused in time to be told why
        _listener = P2PListener.Start(_options.P2PBindAddress, _options.P2PPorts, _options.ClusterId, _security, _options.ConnectTimeout, OnP2PConnectionAsync,
            gatekeeper, _logger);
        var hello = new Hello { Kind = ConnectionKind.Control, ClusterId = _options.ClusterId };
        var connection = await Handshake.ConnectAsync(_options.MasterHost, _options.MasterPort, hello, _security, _options.ConnectTimeout, ct).ConfigureAwait(false);
        _masterEndpoint = connection.Remote;
        _link = new ControlLink(connection, _options.HeartbeatTimeout);
        _link.Start(OnMasterMessageAsync, OnMasterLost);
        await _link.SendAsync(new ControlMessage
        {
            Register = new Register
            {
                P2PPort = (uint)_listener.Port, Group = _options.PeerGroup, Region = _options.Region, IdentityKey = Google.Protobuf.ByteString.CopyFrom(_identity.PublicKey),
                AdvertiseAddress = _options.AdvertiseAddress ?? "",
            },
        }, ct).ConfigureAwait(false);
        await _accepted.Task.WaitAsync(ct).ConfigureAwait(false);
        _logger.LogInformation("peer {PeerId} accepted; world size {World}, group {Group} size {GroupSize}", PeerId, GlobalWorldSize, _options.PeerGroup, GroupWorldSize);
    }

    private async ValueTask OnP2PConnectionAsync(EstablishedConnection connection)
    {
        if (connection.Hello.Kind == ConnectionKind.Ring && _lanes is { } lanes)
        {
            await lanes.AcceptIncomingAsync(connection).ConfigureAwait(false);
            return;
        }

        if (connection.Hello.Kind == ConnectionKind.State)
        {
            await ServeStateAsync(connection).ConfigureAwait(false);
            return;
        }

        await connection.Stream.DisposeAsync().ConfigureAwait(false);
    }

    private ValueTask OnMasterMessageAsync(ControlMessage message)
    {
        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.Registered:
                PeerId = message.Registered.PeerId;
                StartHeartbeats(message.Registered);
                break;
            case ControlMessage.BodyOneofCase.TopologyUpdate:
                _members.Update(message.TopologyUpdate.World); // the joiners connect to their neighbours now
                _ = Task.Run(() => ConnectRingAsync(message.TopologyUpdate.World));
                break;
            case ControlMessage.BodyOneofCase.TopologyComplete:
                SetWorld(message.TopologyComplete.World);
                if (!_accepted.TrySetResult())
                {
                    _membershipReply?.TrySetResult(message);
                }

                break;
            case ControlMessage.BodyOneofCase.TopologyFailed:
                if (_accepted.Task.IsCompleted)
                {
                    if (message.TopologyFailed.World is { } survivors)
                    {
                        SetWorld(survivors);
                    }

                    _membershipReply?.TrySetResult(message);
                }
                else
                {
                    _logger.LogInformation("admission attempt failed ({Reason}); waiting for the next vote", message.TopologyFailed.Reason);
                }

                break;
            case ControlMessage.BodyOneofCase.PendingPeersResult:
                _membershipReply?.TrySetResult(message);
                break;
            case ControlMessage.BodyOneofCase.WorldChanged:
                SetWorld(message.WorldChanged.World);
                _logger.LogInformation("peer {Lost} left ({Reason}); world size {World}", message.WorldChanged.LostPeerId, message.WorldChanged.Reason, GlobalWorldSize);
                if (_lanes is { } lanes)
                {
                    return lanes.ForgetPeerAsync(message.WorldChanged.LostPeerId);
                }

                break;
            case ControlMessage.BodyOneofCase.Kick:
                Fatal(KickErrors.From(message.Kick));
                break;
            case ControlMessage.BodyOneofCase.CollectiveStart:
                NoteSequence(message.CollectiveStart.Sequence);
                _ioGate.Expect(message.CollectiveStart.Sequence);
                RouteCollective(message.CollectiveStart.Tag, message);
                break;
            case ControlMessage.BodyOneofCase.CollectiveAbort:
                NoteSequence(message.CollectiveAbort.Sequence);
                _ioGate.Withdraw(message.CollectiveAbort.Sequence);
                RouteCollective(message.CollectiveAbort.Tag, message);
                RetireAbortedLanes(message.CollectiveAbort);
                break;
            case ControlMessage.BodyOneofCase.CollectiveComplete:
                RouteCollective(message.CollectiveComplete.Tag, message);
                break;
            case ControlMessage.BodyOneofCase.CollectiveWithdrawn:
                RouteCollective(message.CollectiveWithdrawn.Tag, message);
                break;
            case ControlMessage.BodyOneofCase.SharedStateTransferPlan:
            case ControlMessage.BodyOneofCase.SharedStateSyncComplete:
            case ControlMessage.BodyOneofCase.SharedStateSyncAbort:
                RouteSharedState(message);
                break;
        }

        return ValueTask.CompletedTask;
    }

    private void RouteCollective(uint tag, ControlMessage message)
    {
        if (_collectives.TryGetValue(tag, out var call) && call.OnMessage(message))
        {
            return;
        }

        if (message.BodyCase == ControlMessage.BodyOneofCase.CollectiveStart)
        {
            // Started just as the caller gave up: refuse it so the others are aborted instead of waiting for this peer.
            var start = message.CollectiveStart;
            _ioGate.Withdraw(start.Sequence);
            _ = RetireAndReportAsync(start);
        }
    }

    private async Task RetireAndReportAsync(CollectiveStart start)
    {
        // its neighbours may have opened links for it already, or write into older ones before their abort arrives
        await RetireLanesAsync(start).ConfigureAwait(false);
        await ReportFailureAsync(start, new PcclException(PcclErrorCode.Aborted, $"peer {PeerId} withdrew the operation before it started", true)).ConfigureAwait(false);
    }

    /// <summary>
    /// Retires the lanes of a started operation the master aborted, here on the control link's thread: the start of the
    /// next operation on those lanes comes after the abort on this link, so it can no longer find this one's links,
    /// whenever the aborted operation's own path gets round to its tidying up.
    /// </summary>
    private void RetireAbortedLanes(CollectiveAbort abort)
    {
        if (abort.Sequence != 0 && _collectives.TryGetValue(abort.Tag, out var call)
            && call.Started.IsCompletedSuccessfully && call.Started.Result is { } start && start.Sequence == abort.Sequence)
        {
            _ = RetireLanesAsync(start).AsTask(); // the retirement itself happens before the first await; closing follows
        }
    }

    private void NoteSequence(ulong sequence)
    {
        _members.NoteSequence(sequence);
        ulong seen;
        while ((seen = Interlocked.Read(ref _lastSequence)) < sequence && Interlocked.CompareExchange(ref _lastSequence, sequence, seen) != seen)
        {
        }
    }

    /// <summary>Opens this peer's lanes to its ring successor as the master instructs, and reports the outcome.</summary>
    private async Task ConnectRingAsync(World world)
    {
        var result = new P2PConnectResult { WorldRevision = world.Revision, Success = true };
        PeerEntry? next = null;
        try
        {
            var view = new WorldView(world, _options.PeerGroup);
            var rank = view.Ring.ToList().IndexOf(PeerId);
            if (rank >= 0 && view.Ring.Count > 1)
            {
                next = view.Peer(view.Ring[(rank + 1) % view.Ring.Count])!;
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
                var lanes = Enumerable.Range(0, Math.Max(1, _options.P2PConnectionPoolSize))
                    .Select(lane => _lanes!.GetOutgoingAsync(next, (uint)lane, Interlocked.Read(ref _lastSequence), timeout.Token).AsTask());
                await Task.WhenAll(lanes).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is PcclException or IOException or OperationCanceledException)
        {
            result.Success = false;
            result.Error = next is null ? $"peer {PeerId} could not reach its ring neighbour: {e.Message}" : UnreachableNeighbour.Describe(PeerId, next, e);
            _logger.LogWarning("{Error}", result.Error);
        }

        try
        {
            await _link!.SendAsync(new ControlMessage { P2PConnectResult = result }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PcclException)
        {
            // master lost: OnMasterLost reports it
        }
    }

    private void OnMasterLost(Exception reason)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _logger.LogWarning("lost the master: {Reason}", reason.Message);
        }

        Fatal(reason as PcclException ?? new PcclException(PcclErrorCode.MasterLost, reason.Message, true, reason));
    }

    /// <summary>Fails everything waiting on the master; the communicator is unusable afterwards.</summary>
    private void Fatal(PcclException reason)
    {
        Interlocked.CompareExchange(ref _fatal, reason, null);
        var first = _fatal!;
        _accepted.TrySetException(first);
        _membershipReply?.TrySetException(first);
        foreach (var call in _collectives.Values)
        {
            call.MasterLost(first);
        }

        FailSharedState(first);
        _link?.Break(first);
        _heartbeats?.Stop();
    }

    private void SetWorld(World world)
    {
        _world = new WorldView(world, _options.PeerGroup);
        _members.Update(world);
        PcclInstruments.SetPeerCount(_world.GlobalSize);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_fatal is { } fatal)
        {
            throw new PcclException(fatal.Code, fatal.Message, fatal.IsTransient, fatal);
        }
    }

    /// <summary>Leaves the run: tells the master, closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _heartbeats?.Dispose();
        if (_link is { } link)
        {
            if (_fatal is null)
            {
                try
                {
                    using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                    await link.SendAsync(new ControlMessage { Goodbye = new Goodbye() }, quick.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is PcclException or OperationCanceledException)
                {
                }
            }

            Fatal(new PcclException(PcclErrorCode.InvalidState, "the communicator was disposed"));
            await link.DisposeAsync().ConfigureAwait(false);
            _heartbeats?.Dispose(); // again: a Registered handled during the goodbye may have started one
        }

        if (_lanes is { } lanes)
        {
            await lanes.DisposeAsync().ConfigureAwait(false);
        }

        if (_listener is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _membershipGate.Dispose();
        _security.Dispose();
        _identity.Dispose();
    }
}
