using Pccl.Master.Core.StateSync;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Master.Support;

/// <summary>Short-hand for election inputs: F32 tensors of 4096 bytes unless told otherwise.</summary>
internal static class ElectionBuilder
{
    public static SharedStateTensorReport T(string key, ulong hash, bool allowInequality = false, DataType type = DataType.F32, ulong bytes = 4096) =>
        new(key, type, bytes, hash, allowInequality);

    public static SharedStatePeerReport P(ulong id, ulong revision, params SharedStateTensorReport[] tensors) =>
        new(id, revision, SharedStateSyncStrategy.EnforcePopular, tensors);

    public static SharedStatePeerReport P(ulong id, ulong revision, SharedStateSyncStrategy strategy, params SharedStateTensorReport[] tensors) =>
        new(id, revision, strategy, tensors);

    public static SharedStateSyncPlan Plan(ulong? last, params SharedStatePeerReport[] peers)
    {
        var result = SharedStateElection.Elect(0, last, peers);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Plan!;
    }

    public static SharedStateElectionError Error(ulong? last, params SharedStatePeerReport[] peers)
    {
        var result = SharedStateElection.Elect(0, last, peers);
        Assert.False(result.Succeeded, "the election should have failed");
        return result.Error!;
    }

    public static string[] Dirty(this SharedStateSyncPlan plan, ulong peer) => [.. plan.For(peer).DirtyKeys];

    public static ulong[] Receivers(this SharedStateSyncPlan plan) => [.. plan.Peers.Where(p => p.Receive.Count > 0).Select(p => p.PeerId)];

    /// <summary>A text rendering of everything in a plan, for comparing plans.</summary>
    public static string Describe(this SharedStateSyncPlan plan) =>
        $"rev {plan.Revision}; " +
        string.Join("; ", plan.Tensors.Select(t => $"{t.Key}={t.Hash} from [{string.Join(",", t.Donors)}]")) + "; " +
        string.Join("; ", plan.Peers.Select(p =>
            $"{p.PeerId}{(p.IsOutdated ? "(old)" : "")} <- [{string.Join(",", p.Receive.Select(r => $"{r.Key}={r.Hash}@{string.Join("/", r.Donors)}"))}]"));
}
