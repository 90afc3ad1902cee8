using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Cli.Workload;

namespace Pccl.Cli.Recovery;

/// <summary>
/// One worker process of <c>pccl bench recovery</c>: all-reduces a float32 buffer in place back to back (admitting
/// waiting peers by vote between operations, as the training loop does) and prints a <see cref="RecoveryEvent"/> per
/// success and per failed attempt, with the attempt's failure path timed through the library's fault seam
/// (<see cref="FailureTimeline"/>). A failed attempt is simply repeated: buffer backup restored the input.
/// </summary>
internal static class RecoveryWorker
{
    public static async Task<int> RunAsync(CommunicatorOptions options, int elements, CancellationToken ct)
    {
        await using var communicator = await Communicator.ConnectAsync(options, NullLoggerFactory.Instance, ct);
        var timeline = new FailureTimeline();
        communicator.FaultInjector = timeline;
        // the first error line's writers (its marks' nullable fields, the code's escaping) compiled now, not before a retry
        _ = JsonSerializer.SerializeToUtf8Bytes(new RecoveryEvent(RecoveryEvent.Error, 0, 0, 0, Code: "peer_lost", Marks: timeline.Rehearsed), RecoveryJson.Default.RecoveryEvent);
        var buffer = PinnedBuffer.Allocate<float>(elements);
        buffer.AsSpan().Fill(1f);
        Print(new RecoveryEvent(RecoveryEvent.Ready, communicator.PeerId, MonotonicClock.NowNs(), communicator.GroupWorldSize));
        var justJoined = true;
        while (!ct.IsCancellationRequested)
        {
            if (!justJoined || communicator.GroupWorldSize < 2)
            {
                await AdmitAsync(communicator, ct);
            }

            justJoined = false;
            if (communicator.GroupWorldSize < 2)
            {
                await Task.Delay(20, ct);
                continue;
            }

            try
            {
                var info = await communicator.AllReduceAsync(buffer.AsMemory(), ct: ct);
                Print(new RecoveryEvent(RecoveryEvent.Success, communicator.PeerId, MonotonicClock.NowNs(), info.WorldSize, info.Sequence, info.Duration.TotalMilliseconds));
            }
            catch (PcclException e) when ((e.IsTransient || e.Code == PcclErrorCode.TooFewPeers) && e.Code is not (PcclErrorCode.MasterLost or PcclErrorCode.Kicked))
            {
                var thrown = MonotonicClock.NowNs();
                Print(new RecoveryEvent(RecoveryEvent.Error, communicator.PeerId, thrown, communicator.GroupWorldSize, Code: Telemetry.MetricTags.CodeName(e.Code), Marks: timeline.TakeLatest()));
            }
        }

        return 0;
    }

    private static async Task AdmitAsync(Communicator communicator, CancellationToken ct)
    {
        if (!await communicator.ArePeersPendingAsync(ct))
        {
            return;
        }

        try
        {
            await communicator.UpdateTopologyAsync(ct);
        }
        catch (PcclException e) when (e.Code == PcclErrorCode.TopologyFailed)
        {
            // vote again on the next round
        }
    }

    private static readonly Stream Stdout = Console.OpenStandardOutput();

    /// <summary>
    /// One line in one write: a pipe takes it whole, so a worker killed or stopped while printing never leaves half a
    /// line (the console's writer would cut a long line into several writes).
    /// </summary>
    private static void Print(RecoveryEvent e)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(e, RecoveryJson.Default.RecoveryEvent);
        Array.Resize(ref line, line.Length + 1);
        line[^1] = (byte)'\n';
        Stdout.Write(line);
        Stdout.Flush();
    }
}
