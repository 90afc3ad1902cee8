using System.Diagnostics;
using Pccl.Operations.Session;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.StateSync;

/// <summary>
/// The whole life of one shared-state synchronisation on this peer (one at a time): hashes to the master, the master's
/// plan, the pull of this peer's dirty tensors, and the master's verdict, while this peer's content is served to others.
/// </summary>
internal sealed class SharedStateSync
{
    private readonly PeerSession _session;
    private readonly StateServingTable _serving = new();
    private volatile SharedStateCall? _call;
    private int _busy;

    public SharedStateSync(PeerSession session)
    {
        _session = session;
        Donor = new StateDonor(session, _serving);
    }

    /// <summary>Serves the STATE connections other peers open to this one.</summary>
    public StateDonor Donor { get; }

    public async Task<SharedStateSyncInfo> SyncAsync(global::Pccl.SharedState state, SharedStateSyncStrategy strategy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!Enum.IsDefined(strategy))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"shared-state strategy {(int)strategy} is not a SharedStateSyncStrategy member");
        }

        _session.ThrowIfUnusable();
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
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
            call = new SharedStateCall(_session.Options.PeerGroup, source, _serving);
            _call = call;
            if (_session.FatalReason is { } fatal)
            {
                call.Fail(fatal);
            }

            await _session.Link.SendAsync(new ControlMessage { SharedStateSyncRequest = BuildRequest(state.Revision, strategy, entries, blockHashes) }, ct).ConfigureAwait(false);
            var plan = await WaitForPlanAsync(call, ct).ConfigureAwait(false);
            var rxBytes = plan.Receive.Count > 0 ? await new StateReceiver(_session, call, plan).ReceiveAsync(entries, ct).ConfigureAwait(false) : 0UL;
            var complete = await call.Completed.WaitAsync(ct).ConfigureAwait(false);
            state.Revision = complete.Revision;
            _session.ReportSharedStateSynced((long)complete.Revision, source.BytesServed, (long)rxBytes);
            return new SharedStateSyncInfo((ulong)source.BytesServed, rxBytes, complete.Revision, clock.Elapsed);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && call is not null)
        {
            var failure = call.Failure ?? ToFailure(e);
            call.Fail(failure);
            throw failure;
        }
        finally
        {
            _call = null;
            if (call is not null)
            {
                _serving.Retire(call.Sequence);
                call.Dispose();
            }

            source?.Dispose();
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>A plan, verdict or abort from the master, on the control link's read loop.</summary>
    public void OnMessage(ControlMessage message) => _call?.OnMessage(message);

    public void Fail(PcclException reason) => _call?.Fail(reason);

    /// <summary>
    /// Only a codec's <see cref="ProtocolException"/> is a peer's bad data; any other protocol violation (a plan that does
    /// not match this peer's state) is not transient and passes through.
    /// </summary>
    public static PcclException ToFailure(Exception e) => e is ProtocolException p
        ? new PcclException(PcclErrorCode.PeerLost, $"a peer sent bad shared-state data: {p.Message}; retry", true, p)
        : OperationFailure.From(e, "shared-state synchronisation", "a shared-state connection");

    private async Task<SharedStateTransferPlan> WaitForPlanAsync(SharedStateCall call, CancellationToken ct)
    {
        try
        {
            return await call.Started.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The master counts this peer's request; walking away would leave the group waiting for it.
            _session.Fatal(new PcclException(PcclErrorCode.InvalidState, "a shared-state synchronisation was cancelled; this communicator left the run: connect again"));
            throw;
        }
    }

    private static SharedStateSyncRequest BuildRequest(ulong revision, SharedStateSyncStrategy strategy, SharedStateEntry[] entries, ulong[][] blockHashes)
    {
        var request = new SharedStateSyncRequest { Revision = revision, Strategy = (SharedStateStrategy)(int)strategy };
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
}
