using Pccl.Protocol.Messages;
using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Core;

/// <summary>
/// The master as a deterministic state machine: each event changes <see cref="State"/> and yields the commands the
/// shell must carry out. No sockets, clocks or threads. Every transition is a small consensus among the accepted
/// peers; a departure re-checks every consensus so survivors never wait for a dead peer.
/// </summary>
internal sealed partial class MasterCore(MasterLimits? limits = null)
{
    private readonly List<MasterCommand> _commands = [];
    private readonly MasterLimits _limits = limits ?? MasterLimits.Default;

    public MasterState State { get; } = new();

    public IReadOnlyList<MasterCommand> Handle(MasterEvent e)
    {
        _commands.Clear();
        switch (e)
        {
            case ConnectionOpened opened:
                State.Connections[opened.ConnectionId] = opened.ObservedAddress;
                if (opened.IsLoopback)
                {
                    State.LoopbackConnections.Add(opened.ConnectionId);
                }

                State.HeartbeatCredentials[opened.ConnectionId] = opened.Heartbeat ?? HeartbeatCredentials.None;
                State.Unregistered[opened.ConnectionId] = State.Now;
                LimitUnregistered(opened.ConnectionId, opened.ObservedAddress);
                break;
            case ConnectionClosed closed:
                OnConnectionClosed(closed.ConnectionId, closed.Reason);
                break;
            case MessageReceived received:
                OnMessage(received.ConnectionId, received.Message);
                break;
            case PeerSilent silent when State.PeerByConnection.TryGetValue(silent.ConnectionId, out var silentId):
                Kick(State.Peers[silentId], KickReason.HeartbeatTimeout, silent.Message, silent.Reason);
                break;
            case Tick tick:
                State.Now = tick.Now;
                EnforceDeadlines();
                if (State.InDoubt.Count > 0)
                {
                    SettleInDoubt();
                }

                break;
            case RevisionsRestored restored:
                foreach (var (group, revision) in restored.Revisions)
                {
                    State.StoredRevisions[group] = revision;
                }

                break;
        }

        return [.. _commands];
    }

    private void OnMessage(long connection, ControlMessage message)
    {
        if (!State.Connections.ContainsKey(connection))
        {
            return; // already closed: a late message from a connection being torn down
        }

        State.PeerByConnection.TryGetValue(connection, out var peerId);
        var peer = peerId == 0 ? null : State.Peers[peerId];
        if (peer is null && message.BodyCase != ControlMessage.BodyOneofCase.Register)
        {
            KickConnection(connection, KickReason.IllegalState, $"sent {message.BodyCase} before registering");
            return;
        }

        if (peer is { Phase: PeerPhase.Accepted } && GrantCancellingRequest(message.BodyCase) is { } request)
        {
            CancelGrantsUnclaimedBy(peer, request);
        }

        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.Register when peer is null:
                OnRegister(connection, message.Register);
                break;
            case ControlMessage.BodyOneofCase.TopologyVote:
                OnTopologyVote(peer!);
                break;
            case ControlMessage.BodyOneofCase.PendingPeersVote:
                OnPendingPeersVote(peer!);
                break;
            case ControlMessage.BodyOneofCase.P2PConnectResult:
                OnP2PConnectResult(peer!, message.P2PConnectResult);
                break;
            case ControlMessage.BodyOneofCase.CollectiveInit:
                OnCollectiveInit(peer!, message.CollectiveInit);
                ResolvePhaseConflict(peer!.Group);
                break;
            case ControlMessage.BodyOneofCase.CollectiveDone:
                OnCollectiveDone(peer!, message.CollectiveDone);
                break;
            case ControlMessage.BodyOneofCase.SharedStateSyncRequest:
                OnSharedStateSyncRequest(peer!, message.SharedStateSyncRequest);
                break;
            case ControlMessage.BodyOneofCase.SharedStateSyncDone:
                OnSharedStateSyncDone(peer!, message.SharedStateSyncDone);
                break;
            case ControlMessage.BodyOneofCase.TopologyOptimizeVote:
                OnOptimizeVote(peer!);
                break;
            case ControlMessage.BodyOneofCase.BandwidthReport:
                OnBandwidthReport(peer!, message.BandwidthReport);
                break;
            case ControlMessage.BodyOneofCase.Goodbye:
                Emit(new CloseConnection(connection, "peer said goodbye"));
                OnConnectionClosed(connection, "left the run");
                break;
            default:
                Kick(peer!, KickReason.IllegalState, peer is null
                    ? $"sent {message.BodyCase}, which peers never send"
                    : $"sent {message.BodyCase} in phase {peer.Phase}, which is not allowed there");
                break;
        }
    }

    private void OnRegister(long connection, Register register)
    {
        var (chosen, badAddress) = PeerAddress.Choose(State.Connections[connection], register.AdvertiseAddress);
        if (badAddress is not null)
        {
            KickConnection(connection, KickReason.ProtocolViolation, badAddress);
            return;
        }

        var address = chosen.Value;
        var isLoopback = chosen.IsLoopback(State.LoopbackConnections.Contains(connection));
        var mix = LoopbackMixProblem(address, isLoopback);
        if (mix is not null)
        {
            KickConnection(connection, KickReason.LoopbackMix, mix);
            return;
        }

        if (register.P2PPort is 0 or > 65535)
        {
            KickConnection(connection, KickReason.ProtocolViolation, $"p2p port {register.P2PPort} is not a valid port");
            return;
        }

        if (register.Region.Length > _limits.MaxRegionLength)
        {
            KickConnection(connection, KickReason.LimitExceeded,
                $"region label is {register.Region.Length} characters long; the master accepts at most {_limits.MaxRegionLength}: shorten network.region");
            return;
        }

        if (Hierarchy.RegionPath.Problem(register.Region) is { } badRegion)
        {
            KickConnection(connection, KickReason.ProtocolViolation, badRegion);
            return;
        }

        if (register.IdentityKey.Length > Transport.Identity.PeerIdentity.MaxPublicKeyBytes)
        {
            KickConnection(connection, KickReason.ProtocolViolation,
                $"p2p identity key of {register.IdentityKey.Length} bytes; at most {Transport.Identity.PeerIdentity.MaxPublicKeyBytes} (an ECDSA P-256 public key)");
            return;
        }

        if (PriorSessionsProblem(register) is { } badReport)
        {
            KickConnection(connection, KickReason.ProtocolViolation, badReport);
            return;
        }

        if (_limits.MaxPeers > 0 && State.Peers.Count >= _limits.MaxPeers)
        {
            KickConnection(connection, KickReason.ClusterFull,
                $"cluster full: {State.Peers.Count} of {_limits.MaxPeers} peers are connected (auth.max_peers); retry later or raise the limit");
            return;
        }

        State.Unregistered.Remove(connection);
        var heartbeat = State.HeartbeatCredentials.GetValueOrDefault(connection, HeartbeatCredentials.None);
        var peer = new PeerRecord(State.NextPeerId++, connection, address, register.P2PPort, register.Group, register.Region, heartbeat.Token)
        {
            IdentityKey = register.IdentityKey,
            IsLoopback = isLoopback,
            AddressAdvertised = chosen.Advertised,
            KeepsRing = register.KeepsRing,
            TakesGrants = register.TakesGrants,
        };
        State.Peers[peer.Id] = peer;
        State.PeerByConnection[connection] = peer.Id;
        Emit(new TrackHeartbeat(connection, peer.Id, heartbeat)); // before Registered leaves, so the first ping finds the peer tracked
        Send(peer, new ControlMessage
        {
            Registered = new Registered
            {
                PeerId = peer.Id, ObservedAddress = State.Connections[connection], HeartbeatToken = heartbeat.Token, HeartbeatKey = heartbeat.Key,
                MasterIncarnation = State.Incarnation,
            },
        });
        Emit(new ReportMembership(MembershipChange.Registered, peer.Id, $"{address}:{register.P2PPort} group {register.Group}"));
        TakePriorSessions(peer, register);
        AdmitWaitingIfWorldEmpty();
    }

    private string? LoopbackMixProblem(string address, bool isLoopback)
    {
        var other = State.Peers.Values.FirstOrDefault(p => p.IsLoopback != isLoopback);
        if (other is null)
        {
            return null;
        }

        return $"this peer reached the master from {address} but peer {other.Id} from {other.Address}; " +
               "peers are told each other's addresses as the master saw them, so loopback and non-loopback peers cannot " +
               "reach each other: connect every peer to the master through the same kind of address, or set network.advertise_address";
    }

    /// <summary>Accepted members of <paramref name="group"/>, counted without allocating: a round checks it on every message.</summary>
    private int AcceptedCountIn(uint group)
    {
        var count = 0;
        foreach (var p in State.Peers.Values)
        {
            if (p.Phase == PeerPhase.Accepted && p.Group == group)
            {
                count++;
            }
        }

        return count;
    }

    private void OnConnectionClosed(long connection, string reason)
    {
        State.Connections.Remove(connection);
        State.LoopbackConnections.Remove(connection);
        State.HeartbeatCredentials.Remove(connection);
        State.Unregistered.Remove(connection);
        if (!State.PeerByConnection.Remove(connection, out var peerId))
        {
            return;
        }

        var peer = State.Peers[peerId];
        State.Peers.Remove(peerId);
        Emit(new ForgetHeartbeat(peerId));
        Emit(new ReportMembership(MembershipChange.Left, peerId, reason));
        ForgetPriorReportsOf(peerId);
        State.LateConnectReports.Remove(peerId);
        if (peer.Phase == PeerPhase.Registered)
        {
            return;
        }

        State.WorldRevision++;
        OnOptimizePeerLost(peer);
        if (State.Topology is { } round && round.Participants.Contains(peerId))
        {
            round.Participants.Remove(peerId);
            round.Awaiting.Remove(peerId);
            round.Joiners.Remove(peerId);
            round.Failures.Add($"peer {peerId} was lost during the topology update ({reason})");
            round.FailedPeers.Add(peerId);
            // The round has failed whatever the others report, and one of them may be dialling the lost peer: a frozen
            // process's kernel still accepts, so that report could take network.connect_timeout_ms.
            FinishTopologyRound();
        }

        AbortCollectivesOf(peer, wasAccepted: peer.Phase == PeerPhase.Accepted, $"peer {peerId} was lost: {reason}");
        OnSharedStatePeerLost(peer, reason);
        var world = BuildWorld(includeJoining: false);
        foreach (var survivor in State.Accepted)
        {
            Send(survivor, new ControlMessage { WorldChanged = new WorldChanged { World = world, LostPeerId = peerId, Reason = reason } });
        }

        ReCheckConsensus();
    }

    private void ReCheckConsensus()
    {
        CheckTopologyVote();
        CheckPendingPeersVote();
        CheckOptimizeVote();
        foreach (var round in State.Collectives.Values.ToList())
        {
            CheckCollectiveGathered(round);
        }

        foreach (var round in State.SharedStateSyncs.Values.ToList())
        {
            CheckSharedStateGathered(round);
        }

        AdmitWaitingIfWorldEmpty();
    }

    /// <summary>With nobody accepted there is nobody to vote, so waiting peers are admitted together.</summary>
    private void AdmitWaitingIfWorldEmpty()
    {
        if (State.Topology is null && !State.Accepted.Any() && State.Waiting.Any())
        {
            StartTopologyRound();
        }
    }

    /// <summary>The world as peers should see it: accepted peers, plus those being admitted when a round announces them.</summary>
    private World BuildWorld(bool includeJoining)
    {
        var world = new World { Revision = State.WorldRevision, LastSequence = State.LastSequence };
        var members = State.Peers.Values.Where(p => p.Phase == PeerPhase.Accepted || (includeJoining && p.Phase == PeerPhase.Joining)).ToList();
        foreach (var p in members)
        {
            world.Peers.Add(EntryOf(p));
        }

        foreach (var group in members.GroupBy(p => p.Group).OrderBy(g => g.Key))
        {
            var ring = new RingOrder { Group = group.Key };
            ring.PeerIds.AddRange(RingPlanner.Order(group, State.RingOrders.GetValueOrDefault(group.Key)));
            world.Rings.Add(ring);
        }

        return world;
    }

    private static PeerEntry EntryOf(PeerRecord p) =>
        new() { PeerId = p.Id, Address = p.Address, P2PPort = p.P2PPort, Group = p.Group, Region = p.Region, IdentityKey = p.IdentityKey, AddressAdvertised = p.AddressAdvertised };

    private void Send(PeerRecord peer, ControlMessage message) => Emit(new SendMessage(peer.ConnectionId, message));

    private void Emit(MasterCommand command) => _commands.Add(command);

    /// <summary>Tells the peer why, closes its connection and removes it; survivors hear <paramref name="lostReason"/> when given.</summary>
    private void Kick(PeerRecord peer, KickReason reason, string message, string? lostReason = null)
    {
        Emit(new ReportMembership(MembershipChange.Kicked, peer.Id, $"{reason}: {message}"));
        KickConnection(peer.ConnectionId, reason, message, lostReason);
    }

    /// <summary>
    /// Each connection that has not registered holds a socket until its registration deadline: cap them in all and per
    /// source, so one client opening connections in a loop cannot exhaust the master's file descriptors.
    /// </summary>
    private void LimitUnregistered(long connection, string address)
    {
        string? problem = null;
        if (State.Unregistered.Count > _limits.MaxUnregistered)
        {
            problem = $"the master already holds {_limits.MaxUnregistered} connections that have not registered";
        }
        else if (State.Unregistered.Keys.Count(c => State.Connections[c] == address) > _limits.MaxUnregisteredPerSource)
        {
            problem = $"{address} already holds {_limits.MaxUnregisteredPerSource} connections that have not registered, the most the master allows one source";
        }

        if (problem is not null)
        {
            State.RefusedUnregistered++;
            KickConnection(connection, KickReason.LimitExceeded, problem + ": register on the connections you have, or retry once they closed");
        }
    }

    private void KickConnection(long connection, KickReason reason, string message, string? lostReason = null)
    {
        if (!State.PeerByConnection.ContainsKey(connection))
        {
            Emit(new ReportUnregisteredKick(State.Connections[connection], $"{reason}: {message}"));
        }

        Emit(new SendMessage(connection, new ControlMessage { Kick = new Kick { Reason = reason, Message = message } }));
        Emit(new CloseConnection(connection, $"kicked: {message}"));
        OnConnectionClosed(connection, lostReason ?? $"kicked ({reason}): {message}");
    }
}
