using Pccl.Master.Core;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Master.Support;

/// <summary>
/// Plays 3-6 peers against the master at random: mostly moves a well-behaved peer could make next, sometimes
/// illegal or stale ones, joins, goodbyes and lost connections; given a <paramref name="tick"/>, also lets time pass
/// (up to two ticks at once) and opens connections that never register, so deadlines fire. Records each step so a
/// failure can be replayed.
/// </summary>
internal sealed class RandomPeers(MasterScenario scenario, int seed, int maxPeers, TimeSpan? tick = null)
{
    private static readonly uint[] Tags = [1, 2, 3];
    private readonly Random _random = new(seed);
    private int _named;

    public List<string> Trace { get; } = [];

    public void Step()
    {
        var live = scenario.Connections.Where(p => !p.Closed).ToList();
        var roll = _random.NextDouble();
        if (live.Count < 3 || (live.Count < maxPeers && roll < 0.08))
        {
            RegisterNew();
        }
        else if (roll < 0.13)
        {
            Do(Pick(live), "drop", p => scenario.Drop(p, "lost in the random walk"));
        }
        else if (roll < 0.15)
        {
            Do(Pick(live), "goodbye", p => scenario.Send(p, Msg.Goodbye()));
        }
        else if (roll < 0.30)
        {
            Do(Pick(live), "anything", p => scenario.Send(p, AnyMessage(p)));
        }
        else if (tick is { } t && roll < 0.40)
        {
            var elapsed = t * _random.Next(1, 3);
            Trace.Add($"advance {elapsed.TotalMilliseconds:0} ms");
            scenario.Advance(elapsed);
        }
        else if (tick is not null && roll < 0.42)
        {
            var name = $"idle{_named++}";
            Trace.Add($"open {name} without registering");
            scenario.Open(name);
        }
        else
        {
            LegalMove(live);
        }
    }

    private void RegisterNew()
    {
        var name = $"p{_named++}";
        var loopback = _random.NextDouble() < 0.04;
        var badPort = _random.NextDouble() < 0.03;
        var group = _random.NextDouble() < 0.25 ? 1U : 0U;
        Trace.Add($"register {name} group {group}{(loopback ? " loopback" : "")}{(badPort ? " port 0" : "")}");
        var peer = scenario.Open(name, loopback ? "127.0.0.1" : null);
        var register = Msg.Register(badPort ? 0U : 7118U, group);
        register.Register.TakesGrants = _random.NextDouble() < 0.5; // grants come only when every member of the group takes them
        scenario.Send(peer, register);
    }

    private void LegalMove(List<SimPeer> live)
    {
        var state = scenario.State;
        var moves = new List<(string What, SimPeer Peer, ControlMessage Message)>();
        foreach (var p in live.Where(p => state.Peers.ContainsKey(p.Id) && p.Id != 0))
        {
            var record = state.Peers[p.Id];
            if (state.Topology is { } round && round.Awaiting.Contains(p.Id))
            {
                var ok = _random.NextDouble() < 0.85;
                moves.Add(("connect " + (ok ? "ok" : "failed"), p, ok ? Msg.Connected() : Msg.ConnectFailed("random failure")));
            }

            if (record.Phase != PeerPhase.Accepted)
            {
                continue;
            }

            if (state.Topology is null && !record.VotedTopology)
            {
                moves.Add(("vote topology", p, Msg.TopologyVote()));
            }

            if (!record.VotedPending)
            {
                moves.Add(("vote pending", p, Msg.PendingVote()));
            }

            foreach (var tag in Tags)
            {
                if (!state.Collectives.TryGetValue((record.Group, tag), out var c))
                {
                    moves.Add(($"init {tag}", p, InitFor(tag)));
                }
                else if (!c.Running && !c.Inits.ContainsKey(p.Id))
                {
                    moves.Add(($"init {tag}", p, InitFor(tag)));
                }
                else if (c is { Running: true, Granted: not null } && c.Participants.Contains(p.Id) && !c.Inits.ContainsKey(p.Id))
                {
                    var take = InitFor(tag);
                    take.CollectiveInit.GrantedSequence = c.Sequence!.Value;
                    moves.Add(($"take grant {tag}", p, take));
                    moves.Add(($"init {tag} instead of the grant", p, InitFor(tag)));
                }
                else if (c.Running && c.Participants.Contains(p.Id) && !c.Done.Contains(p.Id))
                {
                    var ok = _random.NextDouble() < 0.9;
                    var sequence = c.Granted is null ? p.SequenceOf(tag) : c.Sequence!.Value;
                    moves.Add(($"done {tag} {(ok ? "ok" : "failed")}", p, Msg.Done(tag, sequence, ok, ok ? "" : "random failure")));
                }
            }
        }

        if (moves.Count == 0)
        {
            RegisterNew();
            return;
        }

        var (what, peer, message) = moves[_random.Next(moves.Count)];
        Do(peer, what, p => scenario.Send(p, message));
    }

    private ControlMessage InitFor(uint tag) =>
        _random.NextDouble() < 0.05 ? Msg.Init(tag, count: 7) : Msg.Init(tag);

    private ControlMessage AnyMessage(SimPeer peer)
    {
        var tag = Tags[_random.Next(Tags.Length)];
        var sequence = peer.Starts.TryGetValue(tag, out var start) ? start.Sequence : (ulong)_random.Next(5);
        return _random.Next(9) switch
        {
            0 => Msg.Register(),
            1 => Msg.TopologyVote(),
            2 => Msg.PendingVote(),
            3 => Msg.Connected(),
            4 => Msg.Init(tag),
            5 => Msg.Done(tag, sequence),
            6 => Msg.Done(tag, sequence, success: false, error: "random failure"),
            7 => Msg.Done(tag, sequence + (ulong)_random.Next(1, 3)),
            _ => new ControlMessage { Kick = new Kick() },
        };
    }

    private SimPeer Pick(List<SimPeer> live) => live[_random.Next(live.Count)];

    private void Do(SimPeer peer, string what, Action<SimPeer> action)
    {
        Trace.Add($"{peer.Name}#{peer.Id} {what}");
        action(peer);
    }
}
