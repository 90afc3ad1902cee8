using Microsoft.Extensions.Logging;
using Pccl.Operations.Collectives;
using Pccl.Operations.Faults;
using Pccl.Operations.Membership;
using Pccl.Operations.StateSync;
using Pccl.Transport;

namespace Pccl.Operations.Session;

/// <summary>
/// One registration of a peer with one master, accepted into its run: the session and the operations bound to it. A
/// lost master ends it; the <see cref="MasterFollower"/> opens the next one with the leader.
/// </summary>
internal sealed class Registration : IAsyncDisposable
{
    private Registration(object owner, CommunicatorOptions options, EpochFence fence, CollectiveOutcomes outcomes, ILogger logger)
    {
        Session = new PeerSession(owner, options, SecurityFactory.Create(options.Tls, options.Auth), logger, fence);
        Membership = new PeerMembership(Session);
        AllReduces = new AllReduceDriver(Session, outcomes);
        SharedState = new SharedStateSync(Session);
        Diagnostics = new PeerDiagnostics(Session);
    }

    public PeerSession Session { get; }
    public PeerMembership Membership { get; }
    public AllReduceDriver AllReduces { get; }
    public SharedStateSync SharedState { get; }
    public PeerDiagnostics Diagnostics { get; }

    /// <summary>
    /// Connects to the leader among the masters, registers and returns once accepted (the first peer of a master at once;
    /// later ones by the accepted peers' vote). <paramref name="onLost"/> hears this registration's fatal reason before
    /// its waiting calls fail with it. The registration reports <paramref name="outcomes"/> (what this peer knows of its
    /// operations under masters it lost) and records its own operations there.
    /// </summary>
    public static async Task<Registration> OpenAsync(
        object owner, CommunicatorOptions options, EpochFence fence, CollectiveOutcomes outcomes, ILogger logger, IFaultInjector? faults,
        Action<Registration, PcclException> onLost, CancellationToken ct)
    {
        var registration = new Registration(owner, options, fence, outcomes, logger);
        registration.Session.FaultInjector = faults;
        var joined = false; // what a caller that gives up was waiting for, described only then
        try
        {
            var dispatch = new MasterDispatch(registration.Session, registration.Membership, registration.AllReduces, registration.SharedState,
                reason => onLost(registration, reason));
            await registration.Session.JoinAsync(dispatch, outcomes.Report(), ct).ConfigureAwait(false);
            joined = true;
            await registration.Membership.WaitForAdmissionAsync(ct).ConfigureAwait(false);
            outcomes.Joined(registration.Session.MasterEpoch, registration.Session.PeerId);
            return registration;
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            var waitingFor = joined
                ? $"master {registration.Session.MasterAddress} (epoch {registration.Session.MasterEpoch}) to accept this peer: " +
                  "its accepted peers vote newcomers in"
                : $"a leader among {string.Join(", ", options.Masters)} to answer and register this peer";
            await registration.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException($"stopped while waiting for {waitingFor}", e, ct); // a caller that gives up says on what
        }
        catch
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Leaves the run of this master (a goodbye while it still answers) and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync().ConfigureAwait(false);
        Membership.Dispose();
    }
}
