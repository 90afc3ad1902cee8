using Pccl.Protocol.Messages;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master.Support;

/// <summary>One connection to the master as a test sees it: what the master sent it, and whether it was closed.</summary>
internal sealed class SimPeer(string name, long connectionId, string address)
{
    public string Name { get; } = name;

    public long ConnectionId { get; } = connectionId;

    public string Address { get; } = address;

    /// <summary>What the master's shell would tell the core of this address.</summary>
    public bool IsLoopback { get; } = System.Net.IPAddress.TryParse(address, out var ip) && System.Net.IPAddress.IsLoopback(ip);

    /// <summary>The id from the master's Registered message; 0 until then.</summary>
    public ulong Id { get; internal set; }

    /// <summary>Every message the master sent to this connection, in order.</summary>
    public List<ControlMessage> Inbox { get; } = [];

    /// <summary>The messages the master sent to this connection while handling the last event.</summary>
    public List<ControlMessage> Batch { get; } = [];

    /// <summary>The latest CollectiveStart per tag.</summary>
    public Dictionary<uint, CollectiveStart> Starts { get; } = [];

    /// <summary>The world of the latest TopologyComplete or WorldChanged: what this peer believes the world is.</summary>
    public World? KnownWorld { get; internal set; }

    public bool Closed { get; internal set; }

    public string? CloseReason { get; internal set; }

    public Kind[] Kinds => [.. Batch.Select(m => m.BodyCase)];

    public ulong SequenceOf(uint tag) => Starts[tag].Sequence;

    /// <summary>Asserts that the last event brought this peer exactly the given kinds of message, in order.</summary>
    public void Got(params Kind[] kinds) => Assert.Equal(kinds, Kinds);

    public void GotNothing() => Assert.True(Batch.Count == 0, $"{Name} got {string.Join(", ", Kinds)}; expected nothing");

    /// <summary>The one message of this kind in the last batch.</summary>
    public ControlMessage One(Kind kind)
    {
        var matches = Batch.Where(m => m.BodyCase == kind).ToList();
        Assert.True(matches.Count == 1, $"{Name} got {matches.Count} {kind} in [{string.Join(", ", Kinds)}]; expected one");
        return matches[0];
    }

    /// <summary>Asserts the peer was kicked for <paramref name="reason"/> and its connection closed; returns the kick text.</summary>
    public string WasKicked(KickReason reason)
    {
        var kick = One(Kind.Kick).Kick;
        Assert.Equal(reason, kick.Reason);
        Assert.True(Closed, $"{Name} was sent a kick but its connection was not closed");
        return kick.Message;
    }

    public override string ToString() => $"{Name}(conn {ConnectionId}, id {Id})";
}
