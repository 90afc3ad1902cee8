using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pccl.Operations;
using Pccl.Operations.SharedState;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl;

public sealed partial class Communicator
{
    private readonly StateServingTable _stateServing = new();
    private volatile SharedStateCall? _stateSync;
    private int _stateSyncBusy;

    /// <summary>
    /// Synchronises <paramref name="state"/> with every peer of this group (as PCCL's pcclSynchronizeSharedState). Each
    /// peer sends the master only hashes; the master elects the revision and the content per key; peers that are outdated
    /// or diverged pull only their dirty tensors, from all peers holding the elected content at once, and verify them by
    /// hash. Returns when every receiver of the group is done; <paramref name="state"/> then holds the elected content and
    /// revision. Do not touch the state's buffers until this returns: other peers may be reading them.
    /// </summary>
    /// <param name="state">The shared state; its <see cref="SharedState.Revision"/> must be the group's last revision plus one (or equal to it).</param>
    /// <param name="strategy">How this peer takes part.</param>
    /// <param name="ct">Cancelling before the master answers leaves the run (the group would wait for this peer otherwise).</param>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.SharedStateMismatch"/> when the peers' states cannot be reconciled (message names the key and
    /// peers); a transient <see cref="PcclErrorCode.PeerLost"/> or <see cref="PcclErrorCode.Aborted"/> when a peer was lost
    /// or failed mid-way: retry; <see cref="PcclErrorCode.IntegrityFailure"/> when received bytes failed verification.
    /// </exception>
    public async Task<SharedStateSyncInfo> SyncSharedStateAsync(
        SharedState state, SharedStateSyncStrategy strategy = SharedStateSyncStrategy.EnforcePopular, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!Enum.IsDefined(strategy))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"shared-state strategy {(int)strategy} is not a SharedStateSyncStrategy member");
        }

        ThrowIfUnusable();
        if (Interlocked.CompareExchange(ref _stateSyncBusy, 1, 0) != 0)
        {
            throw new PcclException(PcclErrorCode.InvalidState, "a shared-state synchronisation is already in flight on this peer; await it before starting another");
        }

        var clock = Stopwatch.StartNew();
        SharedStateCall? call = null;
        StateSource? source = null;
        try
        {
            var entries = state.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToArray();
            var blockHashes = await Task.Run(() => TensorHasher.HashBlocksOfAll([.. entries.Select(e => e.Content)]), ct).ConfigureAwait(false);
            source = new StateSource(entries, blockHashes, TensorHasher.DefaultBlockSize);
            call = new SharedStateCall(_options.PeerGroup, source, _stateServing);
            _stateSync = call;
            if (_fatal is { } fatal)
            {
                call.Fail(fatal);
            }

            await _link!.SendAsync(new ControlMessage { SharedStateSyncRequest = BuildRequest(state.Revision, strategy, entries, blockHashes) }, ct).ConfigureAwait(false);
            var plan = await WaitForPlanAsync(call, ct).ConfigureAwait(false);
            var rxBytes = plan.Receive.Count > 0 ? await ReceiveStateAsync(call, plan, entries, ct).ConfigureAwait(false) : 0UL;
            var complete = await call.Completed.WaitAsync(ct).ConfigureAwait(false);
            state.Revision = complete.Revision;
            ReportSharedStateSynced((long)complete.Revision, source.BytesServed, (long)rxBytes);
            return new SharedStateSyncInfo((ulong)source.BytesServed, rxBytes, complete.Revision, clock.Elapsed);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && call is not null)
        {
            var failure = call.Failure ?? ToSyncFailure(e);
            call.Fail(failure);
            throw failure;
        }
        finally
        {
            _stateSync = null;
            if (call is not null)
            {
                _stateServing.Retire(call.Sequence);
                call.Dispose();
            }

            source?.Dispose();
            Volatile.Write(ref _stateSyncBusy, 0);
        }
    }

    private async Task<SharedStateTransferPlan> WaitForPlanAsync(SharedStateCall call, CancellationToken ct)
    {
        try
        {
            return await call.Started.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The master counts this peer's request; walking away would leave the group waiting for it.
            Fatal(new PcclException(PcclErrorCode.InvalidState, "a shared-state synchronisation was cancelled; this communicator left the run: connect again"));
            throw;
        }
    }

    private static SharedStateSyncRequest BuildRequest(ulong revision, SharedStateSyncStrategy strategy, SharedStateEntry[] entries, ulong[][] blockHashes)
    {
        var request = new SharedStateSyncRequest { Revision = revision, Strategy = strategy.ToWire() };
        for (var i = 0; i < entries.Length; i++)
        {
            request.Tensors.Add(new SharedStateTensorInfo
            {
                Key = entries[i].Key,
                DataType = entries[i].DataType.ToWire(),
                ByteLength = (ulong)entries[i].Content.Length,
                Hash = TensorHasher.Combine(blockHashes[i], entries[i].Content.Length),
                AllowContentInequality = entries[i].AllowContentInequality,
            });
        }

        return request;
    }

    /// <summary>Pulls this peer's dirty tensors, reports the outcome to the master, and returns the bytes received.</summary>
    private async Task<ulong> ReceiveStateAsync(SharedStateCall call, SharedStateTransferPlan plan, SharedStateEntry[] entries, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, call.Aborted);
        StateFetcher? fetcher = null;
        try
        {
            var fetch = PlanFetch(plan, entries);
            var donors = plan.Donors.ToDictionary(d => d.PeerId);
            fetcher = new StateFetcher(fetch, (donor, token) => ConnectStateAsync(donors, donor, plan.Sequence, token), plan.Sequence);
            await fetcher.RunAsync(linked.Token).ConfigureAwait(false);
            var lostDonors = fetcher.LostDonors;
            if (lostDonors.Count > 0)
            {
                _logger.DonorsLost(
                    plan.Sequence, string.Join(", ", lostDonors));
            }

            var done = new SharedStateSyncDone { Sequence = plan.Sequence, Success = true, RxBytes = (ulong)fetcher.BytesReceived };
            done.LostDonorIds.AddRange(lostDonors);
            await _link!.SendAsync(new ControlMessage { SharedStateSyncDone = done }, ct).ConfigureAwait(false);
            return (ulong)fetcher.BytesReceived;
        }
        catch (Exception e) when (call.Failure is null)
        {
            var failure = ct.IsCancellationRequested
                ? OperationFailure.CancelledBy(PeerId, "shared-state synchronisation")
                : ToSyncFailure(e);
            call.Fail(failure);
            await ReportSyncFailureAsync(plan.Sequence, failure, fetcher).ConfigureAwait(false);
            throw;
        }
    }

    private static FetchTensor[] PlanFetch(SharedStateTransferPlan plan, SharedStateEntry[] entries)
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

    private async Task<Stream> ConnectStateAsync(Dictionary<ulong, SharedStateDonor> donors, ulong donor, ulong sequence, CancellationToken ct)
    {
        if (!donors.TryGetValue(donor, out var endpoint))
        {
            throw new PcclException(PcclErrorCode.ProtocolViolation, $"the master's plan names donor {donor} without its address");
        }

        var hello = new Hello { Kind = ConnectionKind.State, ClusterId = _options.ClusterId, PeerId = PeerId, TargetPeerId = donor, Sequence = sequence };
        var connection = await Handshake.ConnectAsync(endpoint.Address, (int)endpoint.P2PPort, hello, _security, _options.ConnectTimeout, ct, _identity).ConfigureAwait(false);
        return connection.Stream;
    }

    private async Task ReportSyncFailureAsync(ulong sequence, PcclException failure, StateFetcher? fetcher)
    {
        try
        {
            var done = new SharedStateSyncDone { Sequence = sequence, Success = false, Error = failure.Message };
            if (fetcher is not null)
            {
                done.LostDonorIds.AddRange(fetcher.LostDonors);
            }

            await _link!.SendAsync(new ControlMessage { SharedStateSyncDone = done }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PcclException)
        {
            // master lost: the master-lost path reports it
        }
    }

    /// <summary>Serves a receiver's STATE connection from the source of the round named in its hello.</summary>
    private async ValueTask ServeStateAsync(EstablishedConnection connection)
    {
        try
        {
            var source = await _stateServing.WaitAsync(connection.Hello.Sequence, _options.ConnectTimeout, CancellationToken.None).ConfigureAwait(false);
            if (source is not null)
            {
                await StateBlockServer.ServeAsync(connection.Stream, source, connection.Hello.PeerId, connection.Hello.Sequence, FaultInjector, source.Retired)
                    .ConfigureAwait(false);
            }
        }
        catch (StateConnectionRefusedException e)
        {
            _logger.StateConnectionRefused(e.Message, connection.Remote);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or OperationCanceledException or PcclException)
        {
            _logger.StateServingStopped(connection.Hello.PeerId, e.Message);
        }
        finally
        {
            await connection.Stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void RouteSharedState(ControlMessage message) => _stateSync?.OnMessage(message);

    private void FailSharedState(PcclException reason) => _stateSync?.Fail(reason);

    /// <summary>
    /// Only a codec's <see cref="ProtocolException"/> is a peer's bad data; any other protocol violation (a plan that does
    /// not match this peer's state) is not transient and passes through.
    /// </summary>
    private static PcclException ToSyncFailure(Exception e) => e is ProtocolException p
        ? new PcclException(PcclErrorCode.PeerLost, $"a peer sent bad shared-state data: {p.Message}; retry", true, p)
        : OperationFailure.From(e, "shared-state synchronisation", "a shared-state connection");
}
