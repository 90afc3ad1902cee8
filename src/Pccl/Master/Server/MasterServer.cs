using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pccl.Master.Core;
using Pccl.Master.Leadership;
using Pccl.Master.Store;
using Pccl.Master.Server.Preflight;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Server;

/// <summary>
/// The thin shell around <see cref="MasterCore"/>: accepts control connections, feeds their messages to the core
/// from a single event loop, and carries out the commands the core returns. It serves only while its
/// <see cref="LeaderLease"/> holds: a standby refuses control hellos naming the leader, and a leader whose lease ends
/// cuts every peer connection and starts its next term (if any) with a fresh core.
/// </summary>
internal sealed partial class MasterServer : IAsyncDisposable
{
    private readonly MasterOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionSecurity _security;
    private ConnectionListener? _listener;
    private HeartbeatMonitor? _heartbeats;
    private PreflightService? _preflight;
    /// <summary>
    /// Synchronous continuations: the thread that delivers an event (a connection's read completion, usually) runs the
    /// event loop itself, so a control message costs no thread-pool hop on the master.
    /// </summary>
    private readonly Channel<MasterEvent> _events = Channel.CreateUnbounded<MasterEvent>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Dictionary<long, MasterConnection> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    /// <summary>How often time enters the core: the resolution of its deadlines.</summary>
    private static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(100);

    private MasterCore _core;
    private readonly IMasterStore _store;
    private LeaderLease _lease = null!; // created once the port is known, in StartAsync
    private Task _recording = Task.CompletedTask;
    /// <summary>The epoch of the term being served; 0 while standing by. Written on the event loop only.</summary>
    private ulong _servingEpoch;
    private bool _announcedStandby;
    private readonly RecentOperations _recent = new();
    private readonly BroadcastFrames _frames = new();
    private readonly RefusalLog _refusals;
    private readonly PcclInstruments _telemetry;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _registeredPeers; // what auth.max_peers counts, as of the last event; connections that never register count for nothing
    private long _nextConnectionId;
    private Task _eventLoop = Task.CompletedTask;
    private Task _tickLoop = Task.CompletedTask;
    private volatile bool _hung;
    private volatile bool _shuttingDown;

    public MasterServer(MasterOptions options, ConnectionSecurity security, IMasterStore store, ILogger logger)
    {
        _options = options;
        _security = security;
        _store = store;
        _logger = logger;
        _telemetry = new PcclInstruments(MetricRole.Master, options.MeterFactory);
        _core = new MasterCore(MasterLimits.From(options));
        _refusals = new RefusalLog(logger, burst: 20, TimeSpan.FromSeconds(10));
    }

    public int Port { get; private set; }

    /// <summary>The epoch being served; 0 while standing by.</summary>
    public ulong Epoch => Volatile.Read(ref _servingEpoch);

    /// <summary>This master's address while it leads, else the leader's as the store last named it.</summary>
    public string LeaderAddress => Epoch != 0 ? _lease.Address : _lease.LeaderAddress;

    /// <summary>The <c>pccl.instance</c> tag of this master's meter.</summary>
    public long TelemetryInstance => _telemetry.Instance;


    /// <summary>Binds, competes once for the lease, and starts serving (or standing by).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var address = IPAddress.Parse(_options.BindAddress);
        // With port 0 the UDP twin of the port the OS picked for TCP may be taken; pick again a few times.
        for (var attempt = 1; ; attempt++)
        {
            BindControl(address);
            try
            {
                _heartbeats = HeartbeatMonitor.Start(new IPEndPoint(address, Port), _options.HeartbeatInterval, _options.HeartbeatTimeout, _options.HeartbeatInterval / 2, OnPeerSilent);
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                _listener!.Dispose(); // bound, never started
                if (_options.Port != 0 || attempt == 5)
                {
                    throw new PcclException(PcclErrorCode.InvalidConfiguration,
                        $"heartbeat port UDP {Port} on {_options.BindAddress} is already in use (network.master_port names both the TCP and the UDP port): " +
                        "stop the other master or pick another port", false, e);
                }
            }
        }

        // a term won between ticks is served at once: the tick runs FollowLease
        _lease = new LeaderLease(_store, AdvertisedAddress(), _options.LeaseTtl, _logger, () => _events.Writer.TryWrite(new Tick(_clock.Elapsed)));
        await _lease.StartAsync(ct).ConfigureAwait(false);
        _preflight = new PreflightService(_heartbeats!, _security, _logger);
        var handshake = new ListenerHandshake(_options.ClusterId, _security, _options.HandshakeTimeout, Admit, _refusals.NoteRefusal,
            Epoch: () => Volatile.Read(ref _servingEpoch));
        _listener!.Start(handshake, Math.Clamp(_options.Auth.MaxHandshakesPerSource, 1, HandshakeGate.DefaultLimit), OnConnectionAsync);
        _telemetry.SetPeerCount(0);
        _logger.MasterStarted(_options.BindAddress, Port, _options.ClusterId);
        if (_heartbeats!.ReceiveBufferBytes < HeartbeatMonitor.ReceiveBufferTarget)
        {
            _logger.HeartbeatBufferSmall(_heartbeats.ReceiveBufferBytes, HeartbeatMonitor.ReceiveBufferTarget, KernelReceiveLimit.Describe(), HeartbeatMonitor.ReceiveBufferTarget / 2);
        }
        FollowLease();
        _eventLoop = Task.Run(EventLoopAsync, CancellationToken.None);
        _tickLoop = Task.Run(TickLoopAsync, CancellationToken.None);
    }

    /// <summary>host:port at which peers reach this master, as the store names the leader.</summary>
    private string AdvertisedAddress()
    {
        var host = _options.AdvertiseAddress
            ?? (IPAddress.TryParse(_options.BindAddress, out var bound) && (bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any)) ? Dns.GetHostName() : _options.BindAddress);
        return host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{Port}" : $"{host}:{Port}";
    }

    private void BindControl(IPAddress address)
    {
        try
        {
            _listener = ConnectionListener.Bind(new IPEndPoint(address, _options.Port), reuseAddress: true);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"master port {_options.Port} on {_options.BindAddress} is already in use (network.master_port): stop the other master or pick another port", false, e);
        }

        Port = _listener.Port;
    }

    /// <summary>Runs on the heartbeat thread: hands the silence to the event loop, which removes the peer.</summary>
    private void OnPeerSilent(SilentPeer peer) =>
        ThreadPool.UnsafeQueueUserWorkItem(e => _events.Writer.TryWrite(e), new HeartbeatExpired(peer), preferLocal: false); // the event loop must not run on the heartbeat thread

    /// <summary>Brings time into the core; its deadlines are checked on each tick.</summary>
    private async Task TickLoopAsync()
    {
        using var timer = new PeriodicTimer(TickPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                _events.Writer.TryWrite(new Tick(_clock.Elapsed));
                _refusals.Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async ValueTask OnConnectionAsync(EstablishedConnection established)
    {
        if (established.Hello.Kind == ConnectionKind.Preflight)
        {
            _preflight!.Serve(established, _stop.Token);
            return;
        }

        var connection = new MasterConnection(Interlocked.Increment(ref _nextConnectionId), Volatile.Read(ref _servingEpoch), established, _events.Writer);
        await _events.Writer.WriteAsync(new ConnectionOpenedWithHandle(connection), _stop.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs after authentication. It refuses early when auth.max_peers peers are registered; the core checks again when
    /// a connection registers, since several may pass here at once, and it closes connections that never register.
    /// </summary>
    private Refusal? Admit(Hello hello, IPEndPoint? remote)
    {
        if (hello.Kind is not (ConnectionKind.Control or ConnectionKind.Preflight))
        {
            return new Refusal(RefusalReason.NotAllowed, $"the master accepts control connections only, not {hello.Kind}");
        }

        if (hello.Kind == ConnectionKind.Control && Volatile.Read(ref _servingEpoch) == 0)
        {
            var leader = _lease.LeaderAddress;
            return new Refusal(RefusalReason.Standby,
                leader.Length > 0 ? $"this master is a standby; the leader is {leader}" : "this master is a standby and no master holds the leader lease yet; retry shortly",
                leader);
        }

        return _security.Access.CheckPeerLimit(Volatile.Read(ref _registeredPeers)) is { } reason
            ? new Refusal(RefusalReason.ClusterFull, reason + " (auth.max_peers); retry later or raise the limit")
            : null;
    }

    private async Task EventLoopAsync()
    {
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_shuttingDown && e is not StatusRequested)
                {
                    (e as ConnectionOpenedWithHandle)?.Connection.Abort("the master is shutting down");
                    continue;
                }

                if (_hung)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
                }

                var coreEvent = e;
                if (e is Tick)
                {
                    FollowLease();
                }

                if (e is ConnectionOpenedWithHandle opened)
                {
                    if (opened.Connection.Epoch != _servingEpoch || _servingEpoch == 0)
                    {
                        opened.Connection.Abort("the master's leadership term ended before the connection was served");
                        continue;
                    }

                    _connections[opened.Connection.Id] = opened.Connection;
                    opened.Connection.Start(_stop.Token);
                    coreEvent = new ConnectionOpened(opened.Connection.Id, opened.Connection.ObservedAddress, IsLoopback(opened.Connection.ObservedAddress), HeartbeatCredentials.Draw());
                }
                else if (e is HeartbeatExpired expired)
                {
                    coreEvent = SilenceOf(expired.Peer);
                }
                else if (e is StatusRequested request)
                {
                    request.Reply.TrySetResult(MasterStatus.From(_core.State, Port, _recent, Leadership()));
                    continue;
                }

                var core = _core;
                foreach (var command in core.Handle(coreEvent))
                {
                    if (_core != core)
                    {
                        break; // the term ended while its commands ran
                    }

                    if (command is RecordRevision record)
                    {
                        // Stored before any peer hears that the sync completed: a later leader's floor is then never
                        // behind a revision a peer synchronised to, so the +1 rule holds across a failover.
                        _recording = RecordAsync(_recording, _servingEpoch, new GroupRevision(record.Group, record.Revision, record.Hashes));
                        await _recording.ConfigureAwait(false);
                        continue;
                    }

                    Execute(command);
                    if (_hung)
                    {
                        break; // crashed by the fault seam: nothing after it leaves
                    }
                }

                _frames.Clear();

                if (coreEvent is ConnectionClosed closed)
                {
                    _connections.Remove(closed.ConnectionId);
                }

                Volatile.Write(ref _registeredPeers, _core.State.Peers.Count);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Execute(MasterCommand command)
    {
        switch (command)
        {
            case SendMessage when _lease.Term?.Epoch != _servingEpoch:
                // A paused master wakes up here: its lease may have ended (and another master lead) meanwhile.
                StepDown("the leader lease ended before a message could be sent");
                break;
            case SendMessage send when _options.Faults?.CrashBefore(send.Message) == true:
                Crash();
                break;
            case SendMessage send when _connections.TryGetValue(send.ConnectionId, out var c):
                c.Send(send.Message, _frames);
                NoteOperation(send);
                break;
            case CloseConnection close when _connections.TryGetValue(close.ConnectionId, out var c):
                // A peer that never reads would keep the connection open forever waiting for the flush: cut it after a grace.
                c.CloseAfterFlush();
                c.AbortAfter(_options.HeartbeatTimeout, _stop.Token);
                break;
            case ReportMembership report:
                Log(report);
                break;
            case ReportUnregisteredKick unregistered:
                _refusals.NoteUnregisteredKick(unregistered.Address, unregistered.Detail);
                break;
            case TrackHeartbeat track:
                _heartbeats?.Track(track.ConnectionId, track.PeerId, track.Credentials.Token, _security.HeartbeatMacFor(track.PeerId, track.Credentials));
                break;
            case ReportHierarchy hierarchy:
                _logger.HierarchyPlanned(hierarchy.Group, hierarchy.Sequence, hierarchy.Description);
                break;
            case ForgetHeartbeat forget:
                _heartbeats?.Forget(forget.PeerId);
                break;
            case ReportInDoubtSettled settled:
                _logger.InDoubtSettled(settled.PriorEpoch, settled.Sequence, settled.Tag, settled.Completed ? "completed" : "failed", settled.Reason, settled.Told);
                break;
        }
    }

    /// <summary>The core kicks a silent peer; the message tells it why should it wake up.</summary>
    private PeerSilent SilenceOf(SilentPeer peer)
    {
        var reason = $"heartbeat timeout: no heartbeat for {peer.Silence.TotalMilliseconds:0} ms";
        return new PeerSilent(peer.ConnectionId, reason,
            $"{reason} (limit {_options.HeartbeatTimeout.TotalMilliseconds:0} ms); " +
            "the process hung or UDP to the master's port is blocked: check the firewall, or raise network.heartbeat_timeout_ms");
    }

    /// <summary>Logs and counts a membership change; commands run after the core's whole step, so the state is final.</summary>
    private void Log(ReportMembership report)
    {
        var world = _core.State.Accepted.Count();
        _telemetry.SetPeerCount(world);
        switch (report.Change)
        {
            case MembershipChange.Registered:
                _logger.PeerRegistered(report.PeerId, report.Detail);
                break;
            case MembershipChange.Accepted:
                _logger.PeerJoined(report.PeerId, report.Detail, world);
                break;
            case MembershipChange.Left:
                _logger.PeerLeft(report.PeerId, report.Detail, world);
                break;
            case MembershipChange.Kicked:
                _telemetry.RecordPeerKicked(KickLabels.ForDetail(report.Detail));
                _logger.PeerKicked(report.PeerId, report.Detail);
                break;
        }
    }

    private void NoteOperation(SendMessage send)
    {
        var state = _core.State;
        if (state.PeerByConnection.TryGetValue(send.ConnectionId, out var id) && state.Peers.TryGetValue(id, out var peer))
        {
            _recent.Note(send.Message, peer.Group, DateTimeOffset.UtcNow);
        }
    }

    /// <summary>
    /// A consistent snapshot for <c>/status</c>: the request is queued behind the events before it and answered on the
    /// event loop, so it never reads the state while the core changes it.
    /// </summary>
    public Task<MasterStatus> SnapshotAsync(CancellationToken ct)
    {
        var request = new StatusRequested(new TaskCompletionSource<MasterStatus>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_stop.IsCancellationRequested || !_events.Writer.TryWrite(request))
        {
            throw new PcclException(PcclErrorCode.InvalidState, "the master is stopped; it has no status to report");
        }

        return request.Reply.Task.WaitAsync(ct);
    }
    /// <summary>Heartbeat datagrams dropped so far, by reason.</summary>
    internal HeartbeatDropCounts? HeartbeatDrops => _heartbeats?.Drops;

    /// <summary>Connections closed unheard because too many handshakes were pending.</summary>
    internal long DroppedHandshakes => _listener?.DroppedHandshakes ?? 0;

    /// <summary>Connections the core holds that have not registered yet.</summary>
    internal int UnregisteredConnections => _core.State.Unregistered.Count;

    /// <summary>Connections the core turned away before they registered.</summary>
    internal long RefusedUnregistered => _core.State.RefusedUnregistered;

    /// <summary>
    /// Stops answering heartbeats and handling events, as a hung (SIGSTOPped, deadlocked) master would: connections
    /// stay open but nothing they send is acted on until the master is disposed.
    /// </summary>
    internal void Hang()
    {
        _hung = true;
        _heartbeats?.PauseAnswers();
    }

    /// <summary>
    /// The fault seam's crash, as the kernel of a killed process would have it: the port closed first (no peer that
    /// notices can dial back in), then every peer connection cut; nothing more is handled until the master is disposed.
    /// </summary>
    private void Crash()
    {
        _listener?.Dispose();
        Hang();
        foreach (var c in _connections.Values)
        {
            c.Abort("the master crashed (fault injection)");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        // From here the run under this master is over: peers leave because they are told to, and acting on that (telling
        // the others that the world shrank) would have a survivor regroup under the next leader with fewer peers than it had.
        _shuttingDown = true;

        // Closed first: a peer told that this master shuts down follows at once, and must not register here again.
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        var shutdown = new ControlMessage { Kick = new Kick { Reason = KickReason.Shutdown, Message = "the master is shutting down" } };
        var frames = new BroadcastFrames(); // not the event loop's: it may still be running
        foreach (var c in _connections.Values)
        {
            c.Send(shutdown, frames);
            c.CloseAfterFlush();
        }

        await Task.Delay(50).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _recording.ConfigureAwait(false);

        _heartbeats?.Dispose();
        await Task.WhenAll(_eventLoop, _tickLoop).ConfigureAwait(false);
        foreach (var c in _connections.Values)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }

        _security.Dispose();
        await _lease.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _telemetry.SetPeerCount(0);
        _telemetry.Dispose();
        _logger.MasterStopped();
    }

    private static bool IsLoopback(string address) => IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);

    /// <summary>Shell-only event: a peer's heartbeats stopped; the shell words it for the core, which kicks the peer.</summary>
    private sealed record HeartbeatExpired(SilentPeer Peer) : MasterEvent;

    /// <summary>Shell-only event: <c>/status</c> asks for a snapshot.</summary>
    private sealed record StatusRequested(TaskCompletionSource<MasterStatus> Reply) : MasterEvent;

    /// <summary>Shell-only event: a connection to register before the core hears of it.</summary>
    private sealed record ConnectionOpenedWithHandle(MasterConnection Connection) : MasterEvent;
}
