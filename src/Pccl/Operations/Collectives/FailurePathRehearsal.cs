using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Pccl.Operations.Session;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Runs the steps of an all-reduce's failure path once, on throwaway state, after a peer's first successful all-reduce.
/// The success path is compiled after one operation, but the failure path runs only on a failure, so without this a peer's first
/// failure spends most of its path in the JIT (<c>pccl bench recovery</c>'s kill timelines show it: <c>path_jit_ms</c>
/// against <c>earlier_failures</c>): the socket error's mapping, the master's abort, the call's failure, the
/// exception's way out through the async frames of the schedule, the lanes' retirement and their closing on the thread
/// pool, the report's encoding, the restore, the error's metric name. Runs on the thread pool; it shares nothing with
/// the session but the identity and security a throwaway lane table needs.
/// </summary>
internal static class FailurePathRehearsal
{
    private const ulong Self = 1;
    private const ulong Neighbour = 2;

    // Small steps are called through delegates, so each is compiled on its own: an optimised caller (the tool runs
    // with tiered compilation off) would inline them here and leave them cold for the path.
    private static readonly Func<LaneTable, CollectiveStart, ulong, RetiredLinks> Retire = AllReduceWithdrawal.RetireLanes;
    private static readonly Action<ReadOnlyMemory<float>?, InputBackup?, Memory<byte>> Restore = AllReduceInput.Restore;
    private static readonly Func<PcclErrorCode, string> CodeName = MetricTags.CodeName;

    public static Task RunInBackground(PeerSession session) => Task.Run(async () =>
    {
        try
        {
            await RehearseAsync(session).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            session.Logger.FailurePathRehearsalFailed(e);
        }
    });

    private static async Task RehearseAsync(PeerSession session)
    {
        var start = new CollectiveStart { Tag = 0, Sequence = 1, Lane = 0, Ring = { Self, Neighbour } };
        using var call = new CollectiveCall(start.Tag);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync().ConfigureAwait(false);
        try
        {
            cancelled.Token.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException e)
        {
            _ = AllReduceFailures.Of(call, e, Self, cancelled.Token);
        }

        var abort = new ControlMessage { CollectiveAbort = new CollectiveAbort { Tag = start.Tag, Failure = CollectiveFailure.PeerLost, Reason = "rehearsal", LostPeerId = Neighbour } };
        _ = call.OnMessage(ControlCodec.DecodeControl(abort.ToByteArray()));
        var gate = new RingIoGate(1);
        gate.Expect(start.Sequence);
        gate.Withdraw(start.Sequence);

        await RehearseUnwindingAsync<DataFrameHeader>().ConfigureAwait(false);
        await RehearseUnwindingAsync<Memory<byte>>().ConfigureAwait(false);
        try
        {
            await FailingScheduleAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            _ = AllReduceFailures.BufferUndefined(AllReduceFailures.From(e));
        }

        await RetireALinkAsync(session, start).ConfigureAwait(false);
        _ = call.MarkFailureReported();
        _ = ControlCodec.EncodeFrame(new ControlMessage
        {
            CollectiveDone = new CollectiveDone { Tag = start.Tag, Sequence = start.Sequence, Success = false, Error = call.Failure!.Message },
        });

        var buffer = new byte[64];
        // blocks of a quarter of the buffer: the restore takes its path with helper threads, as a large one does
        using var backup = new InputBackup(buffer, new byte[buffer.Length], restoreBlockBytes: buffer.Length / 4);
        var half = buffer.Length / 2;
        var second = new PieceRef(1, half, half / sizeof(float), half);
        backup.BeforeWrite(new PieceRef(0, 0, half / sizeof(float), half));
        backup.BeforeWrite(second);
        backup.StartRestoreAllBut([second]);
        Restore(null, backup, buffer);
        _ = CodeName(call.Failure.Code);
        _ = $"{call.Failure.Code}: {call.Failure.Message}";
    }

    /// <summary>
    /// Retires a lane holding one link (a socket never connected, so closing it meets a socket error as a broken
    /// link's does) in a lane table of its own, and closes it as the failure path does.
    /// </summary>
    private static async Task RetireALinkAsync(PeerSession session, CollectiveStart start)
    {
        await using var lanes = new LaneTable(() => Self, session.Identity, "", session.Security, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var hello = new Hello { Kind = ConnectionKind.Ring, PeerId = Neighbour, TargetPeerId = Self, Lane = start.Lane, Sequence = start.Sequence };
        await lanes.AcceptIncomingAsync(new EstablishedConnection(socket, Stream.Null, hello, null)).ConfigureAwait(false);
        await Retire(lanes, start, Self).CloseInBackground(static () => { }).ConfigureAwait(false);
        await lanes.ForgetPeerAsync(Neighbour).ConfigureAwait(false); // the lost peer leaves the world beside the path
    }

    /// <summary>A pooled value-task method of the frame readers' result types failing, as their reads do when a link breaks.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<T> FailingReadAsync<T>()
    {
        await Task.Yield();
        throw new IOException("rehearsal");
    }

    private static async Task RehearseUnwindingAsync<T>()
    {
        try
        {
            _ = await FailingReadAsync<T>().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A schedule's run failing, so the result type's faulted-task path is compiled.</summary>
    private static async Task<(IAllReduceSchedule, AllReduceAlgorithm)> FailingScheduleAsync()
    {
        await Task.Yield();
        throw new IOException("rehearsal");
    }
}
