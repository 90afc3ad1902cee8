using Pccl.Protocol.Messages;

namespace Pccl.Tests.Master.Support;

/// <summary>The messages a peer sends to the master, in one line each.</summary>
internal static class Msg
{
    public static ControlMessage Register(uint port = 7118, uint group = 0, string region = "") =>
        new() { Register = new Register { P2PPort = port, Group = group, Region = region } };

    public static ControlMessage TopologyVote() => new() { TopologyVote = new TopologyVote() };

    public static ControlMessage PendingVote() => new() { PendingPeersVote = new PendingPeersVote() };

    public static ControlMessage Connected(ulong revision = 0) =>
        new() { P2PConnectResult = new P2PConnectResult { WorldRevision = revision, Success = true } };

    public static ControlMessage ConnectFailed(string error, ulong revision = 0) =>
        new() { P2PConnectResult = new P2PConnectResult { WorldRevision = revision, Success = false, Error = error } };

    public static ControlMessage Init(
        uint tag,
        ulong count = 1024,
        DataType type = DataType.F32,
        ReduceOp op = ReduceOp.Sum,
        Quantization quantization = Quantization.None,
        bool compression = false,
        uint chunk = 4 << 20) =>
        new()
        {
            CollectiveInit = new CollectiveInit
            {
                Tag = tag,
                Parameters = new CollectiveDescriptor
                {
                    ElementCount = count, DataType = type, Op = op, Quantization = quantization, Compression = compression, ChunkBytes = chunk,
                },
            },
        };

    public static ControlMessage Done(uint tag, ulong sequence, bool success = true, string error = "") =>
        new() { CollectiveDone = new CollectiveDone { Tag = tag, Sequence = sequence, Success = success, Error = error } };

    /// <summary>A peer taking back its init before it saw the start (what a cancelled all-reduce sends).</summary>
    public static ControlMessage Withdraw(uint tag) => Done(tag, 0, success: false, error: "withdrawn");

    /// <summary>A shared-state sync request of F32 tensors of 1 KiB each.</summary>
    public static ControlMessage SyncRequest(ulong revision, params (string Key, ulong Hash)[] tensors) => SyncRequest(1024, revision, tensors);

    /// <summary>A shared-state sync request of F32 tensors of <paramref name="bytes"/> each.</summary>
    public static ControlMessage SyncRequest(ulong bytes, ulong revision, (string Key, ulong Hash)[] tensors)
    {
        var request = new SharedStateSyncRequest { Revision = revision };
        request.Tensors.AddRange(tensors.Select(t => new SharedStateTensorInfo { Key = t.Key, DataType = DataType.F32, ByteLength = bytes, Hash = t.Hash }));
        return new() { SharedStateSyncRequest = request };
    }

    public static ControlMessage SyncDone(ulong sequence, bool success = true) =>
        new() { SharedStateSyncDone = new SharedStateSyncDone { Sequence = sequence, Success = success, Error = success ? "" : "hash mismatch" } };

    public static ControlMessage Goodbye() => new() { Goodbye = new Goodbye() };
}
