using Microsoft.Extensions.Logging;
using Pccl.Operations.Collectives;
using Pccl.Operations.Faults;
using Pccl.Operations.Membership;
using Pccl.Operations.Topology;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl.Operations.Session;

/// <summary>
/// A peer's registration with the master: the control link, the p2p listener and lane table, the world view,
/// heartbeats and the fatal reason. It fails once, keeping the first reason, and hands master messages and p2p
/// connections to the <see cref="IPeerEvents"/> it joined with.
/// </summary>
internal sealed class PeerSession : IAsyncDisposable
{
    /// <summary>A ring connection from the predecessor that no operation takes within this long is closed.</summary>
    public static readonly TimeSpan UnusedLaneDeadline = TimeSpan.FromSeconds(30);

    private readonly object _owner;
    private readonly MemberDirectory _members = new();
    private IPeerEvents? _events;
    private P2PListener? _listener;
    private ControlLink? _link;
    private LaneTable? _lanes;
    private volatile WorldView _world = WorldView.Empty;
    private PcclException? _fatal;
    private ulong _lastSequence;
    private int _disposed;

    /// <param name="owner">The object a caller holds, named when it calls after disposing.</param>
    /// <param name="options">The peer's options.</param>
    /// <param name="security">TLS and authentication for every connection of this peer; the session disposes it.</param>
    /// <param name="logger">The peer's logger.</param>
    /// <param name="fence">The newest master epoch this peer has served under, shared by its successive sessions.</param>
    public PeerSession(object owner, CommunicatorOptions options, ConnectionSecurity security, ILogger logger, EpochFence? fence = null)
    {
        _owner = owner;
        Options = options;
        Security = security;
        Logger = logger;
        Fence = fence ?? new EpochFence();
        Telemetry = new PcclInstruments(MetricRole.Peer, options.MeterFactory);
        Heartbeats = new PeerHeartbeats(this);
    }

    public CommunicatorOptions Options { get; }
    public ConnectionSecurity Security { get; }
    public ILogger Logger { get; }
    public PeerIdentity Identity { get; } = new();
    public PeerHeartbeats Heartbeats { get; }
    public EpochFence Fence { get; }

    /// <summary>The rates this peer measured to others in topology optimisation votes: what its lanes are striped for.</summary>
    public MeasuredRates MeasuredRates { get; } = new();

    /// <summary>The master this session registered with (its address as reached), empty before it connected.</summary>
    public string MasterAddress { get; private set; } = "";

    /// <summary>This peer's own metrics: peers in one process do not overwrite each other's gauges.</summary>
    public PcclInstruments Telemetry { get; }

    /// <summary>The epoch the master served at when this session connected (its hello reply's).</summary>
    public ulong MasterEpoch { get; private set; }

    /// <summary>This peer's id, assigned by the master's <see cref="Registered"/>.</summary>
    public ulong PeerId { get; private set; }

    /// <summary>The master's random id for this start, from its <see cref="Registered"/>; 0 before it came.</summary>
    public ulong MasterIncarnation { get; private set; }

    public P2PListener? Listener => _listener;
    public WorldView World => _world;
    public LaneTable Lanes => _lanes!;
    public ControlLink Link => _link!;

    /// <summary>The newest operation sequence this peer has heard of.</summary>
    public ulong LastSequence => Interlocked.Read(ref _lastSequence);

    public PcclException? FatalReason => Volatile.Read(ref _fatal);
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Consulted at the named fault points of this peer's operations; null in production.</summary>
    public IFaultInjector? FaultInjector { get; set; }

    /// <summary>
    /// Starts the p2p listener, connects to the master and registers (reporting <paramref name="priorSessions"/>, what
    /// this peer knows of its operations under masters it lost); admission is the membership's to wait for.
    /// </summary>
    public async Task JoinAsync(IPeerEvents events, IReadOnlyList<PriorSession> priorSessions, CancellationToken ct)
    {
        _events = events;
        _lanes = new LaneTable(() => PeerId, Identity, Options.ClusterId, Security, Options.ConnectTimeout, UnusedLaneDeadline,
            (_, path) => StripeCount.ToOpen(Options.ConnectionsPerPeer, path), Logger);
        var gatekeeper = new P2PGatekeeper(() => PeerId, _members, Options.ConnectTimeout / 2); // refused in time to be told why
        _listener = P2PListener.Start(Options.P2PBindAddress, Options.P2PPorts, Options.ClusterId, Security, Options.ConnectTimeout, events.OnP2PConnectionAsync,
            gatekeeper, Logger);
        var connection = await new MasterDialer(Options, Security, Fence, Logger).ConnectAsync(ct).ConfigureAwait(false);
        Heartbeats.MasterEndpoint = connection.Remote;
        MasterAddress = connection.Remote?.ToString() ?? "";
        MasterEpoch = connection.MasterEpoch;
        _link = new ControlLink(connection, Options.HeartbeatTimeout);
        _link.Start(events.OnMessageAsync, OnMasterLost);
        await _link.SendAsync(new ControlMessage
        {
            Register = new Register
            {
                P2PPort = (uint)_listener.Port, Group = Options.PeerGroup, Region = Options.Region, IdentityKey = Google.Protobuf.ByteString.CopyFrom(Identity.PublicKey),
                AdvertiseAddress = Options.AdvertiseAddress ?? "",
                PriorSessions = { priorSessions },
                KeepsRing = true,
                TakesGrants = Options.StartGrants,
            },
        }, ct).ConfigureAwait(false);
    }

    public void OnRegistered(Registered registered)
    {
        PeerId = registered.PeerId;
        MasterIncarnation = registered.MasterIncarnation;
        Heartbeats.Start(registered);
    }

    /// <summary>The members' identities as the master announced them; the joiners connect to their neighbours next.</summary>
    public void AnnounceMembers(World world) => _members.Update(world);

    public void SetWorld(World world)
    {
        _world = new WorldView(world, Options.PeerGroup);
        _members.Update(world);
        Telemetry.SetPeerCount(world.Peers.Count);
        Logger.TopologyUpdated((long)world.Revision, _world.Ring.Count);
    }

    /// <summary>Records a finished shared-state sync and logs it (event 1201).</summary>
    public void ReportSharedStateSynced(long revision, long bytesSent, long bytesReceived)
    {
        Telemetry.RecordSharedStateSync(revision, bytesSent, bytesReceived);
        Logger.SharedStateSynced(revision, bytesSent + bytesReceived);
    }

    public ValueTask OnWorldChangedAsync(WorldChanged changed)
    {
        SetWorld(changed.World);
        Logger.PeerLeft(changed.LostPeerId, changed.Reason, _world.GlobalSize);
        return _lanes is { } lanes ? lanes.ForgetPeerAsync(changed.LostPeerId) : ValueTask.CompletedTask;
    }

    public void NoteSequence(ulong sequence)
    {
        _members.NoteSequence(sequence);
        ulong seen;
        while ((seen = Interlocked.Read(ref _lastSequence)) < sequence && Interlocked.CompareExchange(ref _lastSequence, sequence, seen) != seen)
        {
        }
    }

    /// <summary>Sends a report whose loss does not matter on its own: when the master is lost, the master-lost path reports that.</summary>
    public async Task ReportAsync(ControlMessage message)
    {
        try
        {
            await Link.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PcclException)
        {
        }
    }

    /// <summary>Closes every ring connection of this peer (its master connection stays up); offered to an injector through <see cref="RingFaultSite"/>.</summary>
    public async ValueTask BreakRingLinksAsync()
    {
        if (_lanes is not { } lanes)
        {
            return;
        }

        foreach (var peer in _world.World.Peers.Where(p => p.PeerId != PeerId))
        {
            await lanes.ForgetPeerAsync(peer.PeerId).ConfigureAwait(false);
        }
    }

    /// <summary>Fails everything waiting on the master; the session is unusable afterwards.</summary>
    public void Fatal(PcclException reason)
    {
        Interlocked.CompareExchange(ref _fatal, reason, null);
        var first = _fatal!;
        _events?.OnFatal(first);
        _link?.Break(first);
        Heartbeats.Stop();
    }

    public void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, _owner);

        if (FatalReason is { } fatal)
        {
            throw new PcclException(fatal.Code, fatal.Message, fatal.IsTransient, fatal);
        }
    }

    private void OnMasterLost(Exception reason)
    {
        if (!IsDisposed)
        {
            Logger.MasterLost(reason.Message);
        }

        Fatal(reason as PcclException ?? new PcclException(PcclErrorCode.MasterLost, reason.Message, true, reason));
    }

    /// <summary>Leaves the run: tells the master, closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Heartbeats.Dispose();
        if (_link is { } link)
        {
            if (FatalReason is null)
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
            Heartbeats.Dispose(); // again: a Registered handled during the goodbye may have started one
        }

        if (_lanes is { } lanes)
        {
            await lanes.DisposeAsync().ConfigureAwait(false);
        }

        if (_listener is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        Security.Dispose();
        Identity.Dispose();
        Telemetry.Dispose();
    }
}
