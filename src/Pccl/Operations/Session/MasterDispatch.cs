using Pccl.Operations.Collectives;
using Pccl.Operations.Membership;
using Pccl.Operations.StateSync;
using Pccl.Operations.Topology;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Session;

/// <summary>
/// Hands each master message to the part of the peer it concerns, in the order the control link reads them; fans a
/// fatal reason out to everything waiting; routes incoming p2p connections by kind. A message of an epoch older than the
/// newest this peer has seen comes from a deposed leader: it is dropped, counted and logged, never acted upon.
/// </summary>
/// <param name="session">The session whose master messages these are.</param>
/// <param name="membership">Takes the votes' replies and topology rounds.</param>
/// <param name="allReduces">Takes the collectives' messages.</param>
/// <param name="sharedState">Takes the shared-state syncs' messages.</param>
/// <param name="onFatal">Hears the fatal reason first, before the calls waiting on the master fail with it.</param>
internal sealed class MasterDispatch(
    PeerSession session, PeerMembership membership, AllReduceDriver allReduces, SharedStateSync sharedState, Action<PcclException>? onFatal = null) : IPeerEvents
{
    private readonly BandwidthProbe _bandwidth = new(session);
    private readonly KeptRing _ring = new();

    public ValueTask OnMessageAsync(ControlMessage message)
    {
        if (!session.Fence.Admit(message.Epoch))
        {
            session.Telemetry.RecordStaleEpochMessage();
            session.Logger.StaleEpochMessageDropped(message.BodyCase, message.Epoch, session.Fence.Newest);
            return ValueTask.CompletedTask;
        }

        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.Registered:
                session.OnRegistered(message.Registered);
                break;
            case ControlMessage.BodyOneofCase.TopologyUpdate:
                membership.OnTopologyUpdate(message.TopologyUpdate.World);
                break;
            case ControlMessage.BodyOneofCase.TopologyComplete:
                membership.OnTopologyComplete(message.TopologyComplete.World);
                break;
            case ControlMessage.BodyOneofCase.TopologyFailed:
                membership.OnTopologyFailed(message.TopologyFailed);
                break;
            case ControlMessage.BodyOneofCase.PendingPeersResult:
                membership.OnPendingPeers(message.PendingPeersResult);
                break;
            case ControlMessage.BodyOneofCase.WorldChanged:
                return session.OnWorldChangedAsync(message.WorldChanged);
            case ControlMessage.BodyOneofCase.Kick:
                session.Fatal(KickErrors.From(message.Kick));
                break;
            case ControlMessage.BodyOneofCase.CollectiveStart:
                if (_ring.Complete(message.CollectiveStart) is { } problem)
                {
                    session.Fatal(new PcclException(PcclErrorCode.ProtocolViolation, problem, isTransient: false));
                    break;
                }

                allReduces.Router.OnStart(message);
                break;
            case ControlMessage.BodyOneofCase.CollectiveAbort:
                allReduces.Router.OnAbort(message);
                break;
            case ControlMessage.BodyOneofCase.CollectiveComplete:
                if (message.CollectiveComplete.Grant?.Start is { } granted && _ring.Complete(granted) is { } grantProblem)
                {
                    session.Fatal(new PcclException(PcclErrorCode.ProtocolViolation, grantProblem, isTransient: false));
                    break;
                }

                allReduces.Router.OnComplete(message);
                break;
            case ControlMessage.BodyOneofCase.CollectiveResolved:
                allReduces.Router.OnResolved(message.CollectiveResolved);
                break;
            case ControlMessage.BodyOneofCase.CollectiveWithdrawn:
                allReduces.Router.OnMessage(message.CollectiveWithdrawn.Tag, message);
                break;
            case ControlMessage.BodyOneofCase.SharedStateTransferPlan:
            case ControlMessage.BodyOneofCase.SharedStateSyncComplete:
            case ControlMessage.BodyOneofCase.SharedStateSyncAbort:
                sharedState.OnMessage(message);
                break;
            case ControlMessage.BodyOneofCase.BandwidthTestRequest:
                _bandwidth.OnRequest(message.BandwidthTestRequest);
                break;
        }

        return ValueTask.CompletedTask;
    }

    public void OnFatal(PcclException reason)
    {
        onFatal?.Invoke(reason);
        membership.Fail(reason);
        allReduces.Router.MasterLost(reason);
        sharedState.Fail(reason);
    }

    public async ValueTask OnP2PConnectionAsync(EstablishedConnection connection)
    {
        switch (connection.Hello.Kind)
        {
            case ConnectionKind.Ring:
                await session.Lanes.AcceptIncomingAsync(connection).ConfigureAwait(false);
                break;
            case ConnectionKind.State:
                await sharedState.Donor.ServeAsync(connection).ConfigureAwait(false);
                break;
            case ConnectionKind.Bench:
                await BandwidthSink.ServeAsync(connection).ConfigureAwait(false);
                break;
            default:
                await connection.Stream.DisposeAsync().ConfigureAwait(false);
                break;
        }
    }
}
