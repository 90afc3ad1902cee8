using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pccl.Operations.Collectives;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Topology;

/// <summary>
/// The sending end of the bandwidth measurements a topology optimisation asks for: opens BENCH connections to the
/// peer the master names, sends on each until its receiver answers with the rate it saw, and reports their sum (or why
/// the pair could not measure) to the master. It measures over as many connections as an unmeasured ring lane to the
/// peer opens (<see cref="StripeCount.ToOpen"/>), so a long path is measured at its rate and not at what one stream's
/// window allows; the rate is also kept for the lanes to come (<see cref="MeasuredRates"/>, where the larger of it and
/// what the ring's operations measured counts). Each measurement
/// is bounded by the connect timeout, its duration and the connect timeout again for the answers, so a dead or
/// unreachable partner costs a report of failure, never a stall.
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
        var connections = new List<EstablishedConnection>();
        TcpPath? path = null;
        try
        {
            var hello = new Hello { Kind = ConnectionKind.Bench, ClusterId = options.ClusterId, PeerId = session.PeerId, TargetPeerId = target.PeerId, Sequence = request.Step };
            Task<EstablishedConnection> ConnectAsync() =>
                Handshake.ConnectAsync(target.Address, (int)target.P2PPort, hello, session.Security, options.ConnectTimeout, bound.Token, session.Identity);

            connections.Add(await ConnectAsync().ConfigureAwait(false));
            var firstPath = connections[0].MeasurePath();
            path = firstPath;
            var count = StripeCount.ToOpen(options.ConnectionsPerPeer, firstPath);
            var more = Enumerable.Range(1, count - 1).Select(_ => ConnectAsync()).ToList();
            try
            {
                await Task.WhenAll(more).ConfigureAwait(false);
            }
            finally
            {
                connections.AddRange(more.Where(c => c.IsCompletedSuccessfully).Select(c => c.Result));
            }

            var rates = await Task.WhenAll(connections.Select(c => SendUntilAnsweredAsync(c, duration, bound.Token))).ConfigureAwait(false);
            report.BytesPerSecond = rates.Sum();
            report.Success = report.BytesPerSecond > 0;
            report.Error = report.Success ? "" : "no bytes arrived";
            session.Logger.BandwidthMeasured(target.PeerId, report.BytesPerSecond * 8 / 1e6);
        }
        catch (Exception e) when (e is PcclException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            report.Success = false;
            report.Error = $"peer {session.PeerId} could not measure its bandwidth to peer {target.PeerId} at {target.Address}:{target.P2PPort}: {e.Message}";
            session.Logger.BandwidthTestFailed(report.Error);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        KeepRate(target.PeerId, path, report.Success ? report.BytesPerSecond : 0);
        await session.ReportAsync(new ControlMessage { BandwidthReport = report }).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps the rate for the lanes' operations to come, which send on as many of their connections as the rate asks
    /// for: nothing reopens (<see cref="LaneRestriping"/>).
    /// </summary>
    private void KeepRate(ulong peer, TcpPath? path, double bytesPerSecond)
    {
        var configured = session.Options.ConnectionsPerPeer;
        var before = path is { } p ? StripeCount.For(configured, p, session.MeasuredRates.BitsPerSecondTo(peer)) : 0;
        session.MeasuredRates.Record(peer, bytesPerSecond);
        var rate = session.MeasuredRates.BitsPerSecondTo(peer);
        var after = path is { } q ? StripeCount.For(configured, q, rate) : 0;
        if (before != after)
        {
            session.Logger.LanesRestriped(peer, (rate ?? 0) / 1e6, before, after);
        }
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
