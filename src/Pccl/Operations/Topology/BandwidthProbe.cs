using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Topology;

/// <summary>
/// The sending end of the bandwidth measurements a topology optimisation asks for: opens a BENCH connection to the
/// peer the master names, sends until the receiver answers with the rate it saw, and reports it (or why the pair could
/// not measure) to the master. Each measurement is bounded by the connect timeout, its duration and the connect
/// timeout again for the answer, so a dead or unreachable partner costs a report of failure, never a stall.
/// </summary>
internal sealed class BandwidthProbe(PeerSession session)
{
    private static readonly byte[] Filler = new byte[BenchWire.ChunkBytes];

    /// <summary>Starts the measurement off the control link's read loop; its report follows when it ends.</summary>
    public void OnRequest(BandwidthTestRequest request) => _ = Task.Run(() => MeasureAsync(request));

    private async Task MeasureAsync(BandwidthTestRequest request)
    {
        var target = request.Target;
        var report = new BandwidthReport { Step = request.Step, TargetPeerId = target.PeerId };
        var duration = TimeSpan.FromMilliseconds(Math.Clamp(request.DurationMs, 1, (uint)BenchWire.MaxDuration.TotalMilliseconds));
        var options = session.Options;
        using var bound = new CancellationTokenSource(options.ConnectTimeout + duration + options.ConnectTimeout);
        try
        {
            var hello = new Hello { Kind = ConnectionKind.Bench, ClusterId = options.ClusterId, PeerId = session.PeerId, TargetPeerId = target.PeerId, Sequence = request.Step };
            var connection = await Handshake.ConnectAsync(target.Address, (int)target.P2PPort, hello, session.Security, options.ConnectTimeout, bound.Token, session.Identity)
                .ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                report.BytesPerSecond = await SendUntilAnsweredAsync(connection, duration, bound.Token).ConfigureAwait(false);
                report.Success = report.BytesPerSecond > 0;
                report.Error = report.Success ? "" : "no bytes arrived";
            }

            session.Logger.BandwidthMeasured(target.PeerId, report.BytesPerSecond * 8 / 1e6);
        }
        catch (Exception e) when (e is PcclException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            report.Success = false;
            report.Error = $"peer {session.PeerId} could not measure its bandwidth to peer {target.PeerId} at {target.Address}:{target.P2PPort}: {e.Message}";
            session.Logger.BandwidthTestFailed(report.Error);
        }

        await session.ReportAsync(new ControlMessage { BandwidthReport = report }).ConfigureAwait(false);
    }

    private static async Task<double> SendUntilAnsweredAsync(EstablishedConnection connection, TimeSpan duration, CancellationToken ct)
    {
        var stream = connection.Stream;
        await stream.WriteAsync(BenchWire.Header(duration), ct).ConfigureAwait(false);
        var answer = ReadAnswerAsync(stream, ct);
        while (!answer.IsCompleted)
        {
            var write = stream.WriteAsync(Filler, ct).AsTask();
            if (await Task.WhenAny(write, answer).ConfigureAwait(false) == answer)
            {
                break; // a write still blocked on a full path ends when the connection is disposed
            }

            await write.ConfigureAwait(false);
        }

        return await answer.ConfigureAwait(false);
    }

    private static async Task<double> ReadAnswerAsync(Stream stream, CancellationToken ct)
    {
        var reply = new byte[BenchWire.ReplyBytes];
        await stream.ReadExactlyAsync(reply, ct).ConfigureAwait(false);
        return BinaryPrimitives.ReadDoubleLittleEndian(reply);
    }
}
