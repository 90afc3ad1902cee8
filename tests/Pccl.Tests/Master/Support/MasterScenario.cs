using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master.Support;

/// <summary>
/// Drives a <see cref="MasterCore"/> with events and routes its commands to <see cref="SimPeer"/>s, so a test reads as a
/// story: peers register, vote, connect, start collectives and vanish; each peer's batch holds what it got last.
/// It also checks what must hold for every command: nothing is sent to a connection after it closed, and a kick's
/// reason reaches the peer before its connection closes.
/// </summary>
internal sealed class MasterScenario(MasterLimits? limits = null, long firstConnection = 100)
{
    private readonly Dictionary<long, SimPeer> _byConnection = [];
    private long _nextConnection = firstConnection;
    private int _nextAddress = 1;

    public MasterCore Core { get; } = new(limits);

    /// <summary>The time of the last tick.</summary>
    public TimeSpan Now { get; private set; }

    public MasterState State => Core.State;

    /// <summary>The commands of the last event.</summary>
    public IReadOnlyList<MasterCommand> Commands { get; private set; } = [];

    public IEnumerable<ReportMembership> Reports => Commands.OfType<ReportMembership>();

    public IReadOnlyCollection<SimPeer> Connections => _byConnection.Values;

    /// <summary>Opens a connection (handshake done) without registering.</summary>
    public SimPeer Open(string name, string? address = null)
    {
        var peer = new SimPeer(name, _nextConnection++, address ?? $"10.0.0.{_nextAddress++}");
        _byConnection[peer.ConnectionId] = peer;
        Apply(new ConnectionOpened(peer.ConnectionId, peer.Address, peer.IsLoopback));
        return peer;
    }

    /// <summary>Opens a connection and registers on it.</summary>
    public SimPeer Register(string name, uint group = 0, string? address = null, uint port = 7118, string region = "")
    {
        var peer = Open(name, address);
        Send(peer, Msg.Register(port, group, region));
        return peer;
    }

    public IReadOnlyList<MasterCommand> Send(SimPeer from, ControlMessage message) =>
        Apply(new MessageReceived(from.ConnectionId, message));

    /// <summary>The connection breaks (or the peer's heartbeats stop).</summary>
    public IReadOnlyList<MasterCommand> Drop(SimPeer peer, string reason = "connection reset") =>
        Apply(new ConnectionClosed(peer.ConnectionId, reason));

    /// <summary>Lets <paramref name="elapsed"/> pass: one tick at the new time.</summary>
    public IReadOnlyList<MasterCommand> Advance(TimeSpan elapsed)
    {
        Now += elapsed;
        return Apply(new Tick(Now));
    }

    public IReadOnlyList<MasterCommand> Apply(MasterEvent e)
    {
        foreach (var p in _byConnection.Values)
        {
            p.Batch.Clear();
        }

        Commands = Core.Handle(e);
        for (var i = 0; i < Commands.Count; i++)
        {
            if (Commands[i] is CloseConnection { Reason: var reason } close && reason.StartsWith("kicked", StringComparison.Ordinal))
            {
                Assert.True(
                    Commands.Take(i).Any(c => c is SendMessage { Message.BodyCase: Kind.Kick } s && s.ConnectionId == close.ConnectionId),
                    $"connection {close.ConnectionId} was closed ({reason}) without first being told why");
            }

            Route(Commands[i]);
        }

        if (e is ConnectionClosed closed && _byConnection.TryGetValue(closed.ConnectionId, out var gone))
        {
            gone.Closed = true;
            gone.CloseReason ??= closed.Reason;
        }

        return Commands;
    }

    private void Route(MasterCommand command)
    {
        switch (command)
        {
            case SendMessage send:
                var to = Target(send.ConnectionId);
                Assert.False(to.Closed, $"the master sent {send.Message.BodyCase} to {to}, whose connection it had closed");
                to.Inbox.Add(send.Message);
                to.Batch.Add(send.Message);
                Observe(to, send.Message);
                break;
            case CloseConnection close:
                var closing = Target(close.ConnectionId);
                Assert.False(closing.Closed, $"the master closed {closing} twice");
                closing.Closed = true;
                closing.CloseReason = close.Reason;
                break;
        }
    }

    private static void Observe(SimPeer to, ControlMessage message)
    {
        switch (message.BodyCase)
        {
            case Kind.Registered:
                to.Id = message.Registered.PeerId;
                break;
            case Kind.CollectiveStart:
                to.Starts[message.CollectiveStart.Tag] = message.CollectiveStart;
                break;
            case Kind.TopologyComplete:
                to.KnownWorld = message.TopologyComplete.World;
                break;
            case Kind.WorldChanged:
                to.KnownWorld = message.WorldChanged.World;
                break;
        }
    }

    private SimPeer Target(long connection)
    {
        Assert.True(_byConnection.TryGetValue(connection, out var peer), $"the master addressed unknown connection {connection}");
        return peer;
    }

    // ---- story steps ----

    /// <summary>
    /// Forms a world of accepted peers, admitted one at a time the way a run starts: the first alone, each later one
    /// by a unanimous topology vote and a successful round.
    /// </summary>
    public SimPeer[] Form(params string[] names) => [.. names.Select(n => Join(n))];

    /// <summary>Forms a world of accepted peers in the given groups, e.g. <c>("a", 0), ("b", 1)</c>.</summary>
    public SimPeer[] Form(params (string Name, uint Group)[] peers) => [.. peers.Select(p => Join(p.Name, p.Group))];

    /// <summary>Registers a peer and admits it with a full topology round.</summary>
    public SimPeer Join(string name, uint group = 0, string? address = null, uint port = 7118, string region = "")
    {
        var peer = Register(name, group, address, port, region);
        if (!peer.Kinds.Contains(Kind.TopologyUpdate))
        {
            AllAcceptedVoteTopology();
        }

        ConnectEveryone();
        Assert.Equal(PeerPhase.Accepted, PeerOf(peer).Phase);
        return peer;
    }

    /// <summary>Every accepted peer votes to update the topology; the last vote starts the round.</summary>
    public void AllAcceptedVoteTopology()
    {
        foreach (var p in AcceptedPeers())
        {
            Send(p, Msg.TopologyVote());
        }

        Assert.NotNull(State.Topology);
    }

    /// <summary>Every participant of the running topology round reports a successful connection; the round completes.</summary>
    public void ConnectEveryone()
    {
        var round = State.Topology ?? throw new InvalidOperationException("no topology round is running");
        foreach (var id in round.Awaiting.ToList())
        {
            Send(ById(id), Msg.Connected(round.World.Revision));
        }

        Assert.Null(State.Topology);
    }

    /// <summary>Each peer inits the tag with the same parameters; returns the sequence the master assigned.</summary>
    public ulong Run(uint tag, params SimPeer[] peers)
    {
        foreach (var p in peers)
        {
            Send(p, Msg.Init(tag));
        }

        Assert.All(peers, p => p.One(Kind.CollectiveStart));
        return peers[0].SequenceOf(tag);
    }

    /// <summary>Forms a world of one accepted peer per entry of <paramref name="groups"/>, p2p ports 25000, 25001, ...; returns their ids.</summary>
    public ulong[] FormGroups(params uint[] groups) => [.. groups.Select((g, i) => Join($"p{i + 1}", g, port: (uint)(25000 + i)).Id)];

    /// <summary>Peer <paramref name="peer"/> asks to synchronise its shared state: F32 tensors of 8 MiB with these hashes.</summary>
    public IReadOnlyList<MasterCommand> SyncRequest(ulong peer, ulong revision, params (string Key, ulong Hash)[] tensors) =>
        Send(ById(peer), Msg.SyncRequest(8 << 20, revision, tensors));

    /// <summary>Peer <paramref name="peer"/> reports the end of its part of a shared-state round.</summary>
    public IReadOnlyList<MasterCommand> SyncDone(ulong peer, ulong sequence, bool success = true) =>
        Send(ById(peer), Msg.SyncDone(sequence, success));

    /// <summary>The connection of peer <paramref name="peer"/> breaks.</summary>
    public IReadOnlyList<MasterCommand> Lose(ulong peer) => Drop(ById(peer), "test");

    /// <summary>The messages <paramref name="commands"/> send to peer <paramref name="peer"/>.</summary>
    public ControlMessage[] To(IReadOnlyList<MasterCommand> commands, ulong peer)
    {
        var connection = _byConnection.Values.Single(p => p.Id == peer).ConnectionId;
        return [.. commands.OfType<SendMessage>().Where(s => s.ConnectionId == connection).Select(s => s.Message)];
    }

    public IEnumerable<SimPeer> AcceptedPeers() => State.Accepted.Select(p => ById(p.Id)).ToList();

    public SimPeer ById(ulong id) => _byConnection.Values.Single(p => p.Id == id && !p.Closed);

    public PeerRecord PeerOf(SimPeer peer) => State.Peers[peer.Id];

    public PeerPhase? PhaseOf(SimPeer peer) => State.Peers.TryGetValue(peer.Id, out var record) ? record.Phase : null;

    /// <summary>Asserts that, among this event's commands, the kick to <paramref name="peer"/> precedes its close.</summary>
    public void AssertKickBeforeClose(SimPeer peer)
    {
        var commands = Commands.ToList();
        var kick = commands.FindIndex(c => c is SendMessage s && s.ConnectionId == peer.ConnectionId && s.Message.BodyCase == Kind.Kick);
        var close = commands.FindIndex(c => c is CloseConnection cc && cc.ConnectionId == peer.ConnectionId);
        Assert.True(kick >= 0 && close > kick, $"expected Kick then CloseConnection for {peer}; commands: {string.Join(" | ", commands)}");
    }
}
