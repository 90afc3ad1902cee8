using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;

namespace Pccl.Tests.Master;

/// <summary>
/// No step back after a failover: the core of a new leader enforces the revisions the master store held, whichever
/// peer reaches it first, and records each completed sync for the next leader.
/// </summary>
public class StoredRevisionTests
{
    private static readonly (string, ulong)[] Current = [("w", 0xAA)];
    private static readonly (string, ulong)[] Old = [("w", 0x01)];

    [Fact]
    public void AStalePeerAloneAtTheNewLeaderIsRefusedInsteadOfTakingTheGroupBack()
    {
        var master = Restored(revision: 40);
        master.FormGroups(0);

        var abort = master.To(master.SyncRequest(1, 3, Old), 1).Single().SharedStateSyncAbort;

        Assert.Equal(SharedStateSyncFailure.Mismatch, abort.Failure);
        Assert.Contains("was at shared-state revision 40", abort.Reason);
        Assert.Empty(master.Commands.OfType<RecordRevision>());
    }

    [Fact]
    public void AStalePeerThatArrivesFirstReceivesTheCurrentStateAndIsNeverTheSource()
    {
        var master = Restored(revision: 40);
        master.FormGroups(0, 0);
        master.SyncRequest(1, 3, Old); // the stale peer asks first
        var commands = master.SyncRequest(2, 41, Current);

        var stale = master.To(commands, 1).Single().SharedStateTransferPlan;
        Assert.Equal(41UL, stale.Revision);
        var receive = Assert.Single(stale.Receive);
        Assert.Equal(0xAAUL, receive.Hash);
        Assert.Equal(new ulong[] { 2 }, receive.DonorIds);
        Assert.Empty(master.To(commands, 2).Single().SharedStateTransferPlan.Receive);

        var done = master.SyncDone(1, stale.Sequence);
        var record = Assert.Single(done.OfType<RecordRevision>());
        Assert.Equal((0U, 41UL, 0xAAUL), (record.Group, record.Revision, record.Hashes["w"]));
    }

    [Fact]
    public void TheStoredRevisionKeepsThePlusOneRuleAcrossTheFailover()
    {
        var master = Restored(revision: 40);
        master.FormGroups(0, 0);
        master.SyncRequest(1, 42, Current);

        var abort = master.To(master.SyncRequest(2, 42, Current), 1).Single().SharedStateSyncAbort;

        Assert.Equal(SharedStateSyncFailure.Mismatch, abort.Failure);
        Assert.Contains("42", abort.Reason);
    }

    [Fact]
    public void PeersAtTheStoredRevisionCarryOnWithoutTransfers()
    {
        var master = Restored(revision: 40);
        master.FormGroups(0, 0);
        master.SyncRequest(1, 40, Current);
        var commands = master.SyncRequest(2, 40, Current);

        Assert.All(new ulong[] { 1, 2 }, p =>
        {
            var messages = master.To(commands, p);
            Assert.Empty(messages[0].SharedStateTransferPlan.Receive);
            Assert.Equal(40UL, messages[1].SharedStateSyncComplete.Revision);
        });
        Assert.Equal(40UL, Assert.Single(commands.OfType<RecordRevision>()).Revision);
    }

    private static MasterScenario Restored(ulong revision)
    {
        var master = new MasterScenario();
        master.Apply(new RevisionsRestored(new Dictionary<uint, ulong> { [0] = revision }));
        return master;
    }
}
