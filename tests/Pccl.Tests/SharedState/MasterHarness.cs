using Pccl.Master.Core;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.SharedState;

/// <summary>Drives the pure master core: peers are connection ids 1..n, which become peer ids 1..n.</summary>
internal sealed class MasterHarness
{
    public MasterCore Core { get; } = new();

    /// <summary>Registers and admits one peer per entry of <paramref name="groups"/>; returns their ids.</summary>
    public ulong[] Start(params uint[] groups)
    {
        for (var i = 0; i < groups.Length; i++)
        {
            var connection = (long)(i + 1);
            Core.Handle(new ConnectionOpened(connection, "127.0.0.1", IsLoopback: true));
            Core.Handle(new MessageReceived(connection, new ControlMessage { Register = new Register { P2PPort = (uint)(25000 + i), Group = groups[i] } }));
            if (i == 0)
            {
                Core.Handle(new MessageReceived(1, new ControlMessage { P2PConnectResult = new P2PConnectResult { Success = true } }));
            }
        }

        if (groups.Length > 1)
        {
            Core.Handle(new MessageReceived(1, new ControlMessage { TopologyVote = new TopologyVote() }));
            for (var i = 1; i <= groups.Length; i++)
            {
                Core.Handle(new MessageReceived(i, new ControlMessage { P2PConnectResult = new P2PConnectResult { Success = true } }));
            }
        }

        Assert.Equal(groups.Length, Core.State.Accepted.Count());
        return [.. Enumerable.Range(1, groups.Length).Select(i => (ulong)i)];
    }

    public IReadOnlyList<MasterCommand> Request(ulong peer, ulong revision, params (string Key, ulong Hash)[] tensors)
    {
        var request = new SharedStateSyncRequest { Revision = revision };
        request.Tensors.AddRange(tensors.Select(t => new SharedStateTensorInfo { Key = t.Key, DataType = DataType.F32, ByteLength = 8 << 20, Hash = t.Hash }));
        return Core.Handle(new MessageReceived((long)peer, new ControlMessage { SharedStateSyncRequest = request }));
    }

    public IReadOnlyList<MasterCommand> Done(ulong peer, ulong sequence, bool success = true) =>
        Core.Handle(new MessageReceived((long)peer, new ControlMessage { SharedStateSyncDone = new SharedStateSyncDone { Sequence = sequence, Success = success, Error = success ? "" : "hash mismatch" } }));

    public IReadOnlyList<MasterCommand> Lose(ulong peer) => Core.Handle(new ConnectionClosed((long)peer, "test"));

    /// <summary>The messages <paramref name="commands"/> send to <paramref name="peer"/>.</summary>
    public static ControlMessage[] To(IReadOnlyList<MasterCommand> commands, ulong peer) =>
        [.. commands.OfType<SendMessage>().Where(s => s.ConnectionId == (long)peer).Select(s => s.Message)];
}
