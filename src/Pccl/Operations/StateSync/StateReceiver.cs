using Microsoft.Extensions.Logging;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.StateSync;

/// <summary>Pulls this peer's dirty tensors of one synchronisation from the donors the master's plan names, and reports the outcome.</summary>
internal sealed class StateReceiver(PeerSession session, SharedStateCall call, SharedStateTransferPlan plan)
{
    /// <summary>Returns the bytes received; on failure the master has been told (or is lost) before this throws.</summary>
    public async Task<ulong> ReceiveAsync(SharedStateEntry[] entries, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, call.Aborted);
        StateFetcher? fetcher = null;
        try
        {
            var fetch = PlanFetch(entries);
            var donors = plan.Donors.ToDictionary(d => d.PeerId);
            fetcher = new StateFetcher(fetch, (donor, token) => ConnectAsync(donors, donor, token), plan.Sequence);
            await fetcher.RunAsync(linked.Token).ConfigureAwait(false);
            var lostDonors = fetcher.LostDonors;
            if (lostDonors.Count > 0)
            {
                session.Logger.DonorsLost(plan.Sequence, string.Join(", ", lostDonors));
            }

            var done = new SharedStateSyncDone { Sequence = plan.Sequence, Success = true, RxBytes = (ulong)fetcher.BytesReceived };
            done.LostDonorIds.AddRange(lostDonors);
            await session.Link.SendAsync(new ControlMessage { SharedStateSyncDone = done }, ct).ConfigureAwait(false);
            return (ulong)fetcher.BytesReceived;
        }
        catch (Exception e) when (call.Failure is null)
        {
            var failure = ct.IsCancellationRequested
                ? OperationFailure.CancelledBy(session.PeerId, "shared-state synchronisation")
                : SharedStateSync.ToFailure(e);
            call.Fail(failure);
            var done = new SharedStateSyncDone { Sequence = plan.Sequence, Success = false, Error = failure.Message };
            if (fetcher is not null)
            {
                done.LostDonorIds.AddRange(fetcher.LostDonors);
            }

            await session.ReportAsync(new ControlMessage { SharedStateSyncDone = done }).ConfigureAwait(false);
            throw;
        }
    }

    private FetchTensor[] PlanFetch(SharedStateEntry[] entries)
    {
        var indexByKey = entries.Select((e, i) => (e.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
        return [.. plan.Receive.Select(r =>
        {
            if (!indexByKey.TryGetValue(r.Key, out var index) || (ulong)entries[index].Content.Length != r.ByteLength || r.DonorIds.Count == 0)
            {
                throw new PcclException(PcclErrorCode.ProtocolViolation,
                    $"the master's plan asks for shared-state key '{r.Key}' ({r.ByteLength} bytes, {r.DonorIds.Count} donors), which does not match this peer's state");
            }

            return new FetchTensor((uint)index, r.Key, entries[index].Content, r.Hash, [.. r.DonorIds]);
        })];
    }

    private async Task<Stream> ConnectAsync(Dictionary<ulong, SharedStateDonor> donors, ulong donor, CancellationToken ct)
    {
        if (!donors.TryGetValue(donor, out var endpoint))
        {
            throw new PcclException(PcclErrorCode.ProtocolViolation, $"the master's plan names donor {donor} without its address");
        }

        var options = session.Options;
        var hello = new Hello { Kind = ConnectionKind.State, ClusterId = options.ClusterId, PeerId = session.PeerId, TargetPeerId = donor, Sequence = plan.Sequence };
        var connection = await Handshake.ConnectAsync(endpoint.Address, (int)endpoint.P2PPort, hello, session.Security, options.ConnectTimeout, ct, session.Identity).ConfigureAwait(false);
        return connection.Stream;
    }
}
