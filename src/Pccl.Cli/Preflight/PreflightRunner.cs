using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Cli.Preflight;

/// <summary>
/// Runs every preflight check against the master named in <paramref name="options"/>: the handshake over TCP (with this
/// host's auth and TLS settings), UDP probes on the heartbeat port, the master's dial-back to a p2p port, and a bulk
/// transfer each way (this host's upload, then the master's bulk transfer); each measured value is judged against the
/// deployment chapter's network table. Last, the socket buffers the kernel grants here (<see cref="SocketBuffers"/>).
/// </summary>
internal sealed class PreflightRunner(CommunicatorOptions options)
{
    /// <summary>Bytes asked of the master's bulk transfer; it stops earlier at <see cref="BulkTimeLimit"/>.</summary>
    private const long BulkBytes = 64L * 1024 * 1024;

    /// <summary>Payload of each upload frame: the most a preflight frame carries, less its length prefix.</summary>
    private const int UploadFrameBytes = ExactFrameIo.MaxHandshakePayload - FrameParser.HeaderSize;

    private static readonly TimeSpan HandshakeLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BulkTimeLimit = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan DialBackWait = TimeSpan.FromSeconds(4);

    /// <summary>Everything after the handshake; the master ends a session at 20 s itself.</summary>
    private static readonly TimeSpan SessionLimit = TimeSpan.FromSeconds(15);

    private string Endpoint => $"{options.MasterHost}:{options.MasterPort}";

    public async Task<PreflightOutcome> RunAsync(CancellationToken ct)
    {
        using var security = SecurityFactory.Create(options.Tls, options.Auth);
        var checks = new List<PreflightCheck>();
        var window = SocketBuffers.GrantedWindowBytes();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        EstablishedConnection connection;
        try
        {
            var timeout = options.ConnectTimeout < HandshakeLimit ? options.ConnectTimeout : HandshakeLimit;
            connection = await Handshake.ConnectAsync(options.MasterHost, options.MasterPort,
                new Hello { Kind = ConnectionKind.Preflight, ClusterId = options.ClusterId }, security, timeout, ct).ConfigureAwait(false);
        }
        catch (PcclException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Code == PcclErrorCode.Timeout)
        {
            var error = (e.InnerException as System.Net.Sockets.SocketException)?.SocketErrorCode.ToString() ?? "no answer within 5 s";
            checks.Add(PreflightCheck.Failed("master_tcp", "ms", Format(PreflightAdvice.MasterUnreachable, Endpoint, error, options.MasterPort)));
            return Outcome(checks, window, "master_tcp");
        }
        catch (PcclException e)
        {
            checks.Add(PreflightCheck.Passed("master_tcp", ElapsedMs(started), "ms"));
            checks.Add(PreflightCheck.Failed("auth", "", Format(PreflightAdvice.HandshakeRefused, Endpoint, e.Message)));
            return Outcome(checks, window, "auth");
        }

        checks.Add(PreflightCheck.Passed("master_tcp", ElapsedMs(started), "ms"));
        checks.Add(PreflightCheck.Passed("auth", 1, "", $"accepted (auth.enabled: {Flag(security.AuthEnabled)}, network.tls.enabled: {Flag(security.TlsEnabled)})"));
        await using (connection.Stream.ConfigureAwait(false))
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(SessionLimit);
            try
            {
                await RunSessionAsync(connection, security, checks, window, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PcclException or IOException or ProtocolException)
            {
                return Outcome(checks, window, $"the preflight session ({e.Message})");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return Outcome(checks, window, $"the preflight session (the master did not answer within {SessionLimit.TotalSeconds:0} s)");
            }
        }

        return Outcome(checks, window, "");
    }

    /// <param name="window">The window the kernel grants a connection here (<see cref="SocketBuffers.GrantedWindowBytes"/>), judged at the probes' round trip.</param>
    private async Task RunSessionAsync(EstablishedConnection connection, ConnectionSecurity security, List<PreflightCheck> checks, long window, CancellationToken ct)
    {
        var stream = connection.Stream;
        var session = (await RequestAsync(stream, new PreflightRequest { ProbeSession = new PreflightProbeSessionRequest() }, ct).ConfigureAwait(false)).ProbeSession;
        var address = connection.Remote!.Address;
        var master = new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, options.MasterPort);
        var mac = security.HeartbeatMacFor(session.ProbeId, new HeartbeatCredentials(session.Token, session.KeyMaterial));
        var probing = Task.Factory.StartNew(() => UdpProber.Run(master, session.ProbeId, session.Token, mac, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var p2p = await CheckP2PAsync(stream, ct).ConfigureAwait(false);
        var probes = await probing.ConfigureAwait(false);
        var udpEndpoint = $"{master.Address}:{options.MasterPort}";
        checks.Add(probes.Answered > 0
            ? PreflightCheck.Passed("master_udp", probes.Answered, $"of {probes.Sent} answered")
            : PreflightCheck.Failed("master_udp", $"of {probes.Sent} answered", Format(PreflightAdvice.UdpBlocked, probes.Sent, udpEndpoint, options.MasterPort), 0));
        checks.Add(p2p);
        var toMaster = await MeasureUploadAsync(stream, ct).ConfigureAwait(false);
        checks.Add(BandwidthDirections.Judge(await MeasureDownloadAsync(stream, ct).ConfigureAwait(false), toMaster));
        var noUdp = Format(PreflightAdvice.NotMeasured, "master_udp");
        checks.Add(probes.Answered > 0 ? NetworkRequirement.Rtt.Judge(probes.MedianRttMs) : NetworkRequirement.Rtt.NotMeasured(noUdp));
        checks.Add(NetworkRequirement.PacketLoss.Judge(probes.LossPercent));
        checks.Add(probes.Answered > 1 ? NetworkRequirement.Jitter.Judge(probes.JitterMs) : NetworkRequirement.Jitter.NotMeasured(noUdp));
        checks.Add(SocketBuffers.Judge(window, probes.Answered > 0 ? probes.MedianRttMs : null));
    }

    private async Task<PreflightCheck> CheckP2PAsync(Stream stream, CancellationToken ct)
    {
        var range = options.P2PPorts;
        var (probe, bindError) = P2PPortProbe.Bind(options.P2PBindAddress, range);
        if (probe is null)
        {
            return PreflightCheck.Failed("p2p_port", "port", Format(PreflightAdvice.P2PNotBindable, range, options.P2PBindAddress, bindError));
        }

        using (probe)
        {
            var nonce = RandomNumberGenerator.GetBytes(16);
            var arrived = probe.ReceivesAsync(nonce, DialBackWait, ct);
            var reply = (await RequestAsync(stream, new PreflightRequest { DialBack = new PreflightDialBack { Port = (uint)probe.Port, Nonce = Google.Protobuf.ByteString.CopyFrom(nonce) } }, ct)
                .ConfigureAwait(false)).DialBack;
            if (reply.Connected && await arrived.ConfigureAwait(false))
            {
                return PreflightCheck.Passed("p2p_port", probe.Port, "port", $"reachable from the master at {reply.Address}");
            }

            var error = reply.Connected ? "the connection did not reach this host's listener (a NAT or proxy on the way?)" : reply.Error;
            return PreflightCheck.Failed("p2p_port", "port", Format(PreflightAdvice.P2PUnreachable, reply.Address, error, range.First, range.Last), probe.Port);
        }
    }

    /// <summary>
    /// Writes upload frames to the master until its limit or <see cref="BulkTimeLimit"/>, then the empty frame that ends
    /// them; returns the rate in Mbit/s at which the master saw them arrive.
    /// </summary>
    private static async Task<double> MeasureUploadAsync(Stream stream, CancellationToken ct)
    {
        var limit = (long)(await RequestAsync(stream, new PreflightRequest { Upload = new PreflightUpload() }, ct).ConfigureAwait(false)).UploadLimit;
        var frame = new byte[FrameParser.HeaderSize + UploadFrameBytes];
        FrameParser.WriteHeader(frame, UploadFrameBytes);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var sent = 0L; sent + UploadFrameBytes <= limit && System.Diagnostics.Stopwatch.GetElapsedTime(started) < BulkTimeLimit; sent += UploadFrameBytes)
        {
            await stream.WriteAsync(frame, ct).ConfigureAwait(false);
        }

        var end = new byte[FrameParser.HeaderSize];
        FrameParser.WriteHeader(end, 0);
        await stream.WriteAsync(end, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
        var result = (await ReadReplyAsync(stream, ct).ConfigureAwait(false)).Upload
                     ?? throw new ProtocolException("the master answered the preflight upload without its result");
        return result.Micros == 0 ? 0 : result.TimedBytes * 8.0 / result.Micros; // bits per microsecond: Mbit/s
    }

    /// <summary>Reads the master's bulk transfer until it ends or <see cref="BulkTimeLimit"/> passes; the session ends with it. Mbit/s.</summary>
    private static async Task<double> MeasureDownloadAsync(Stream stream, CancellationToken ct)
    {
        var announced = (long)(await RequestAsync(stream, new PreflightRequest { Bulk = new PreflightBulk { Bytes = BulkBytes } }, ct).ConfigureAwait(false)).BulkBytes;
        var buffer = new byte[1024 * 1024];
        var received = 0L;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(BulkTimeLimit);
        try
        {
            while (received < announced)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, announced - received)), deadline.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                received += n;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the time is up: judge what arrived
        }

        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        return received * 8 / seconds / 1e6;
    }

    private static async Task<PreflightReply> RequestAsync(Stream stream, PreflightRequest request, CancellationToken ct)
    {
        await ExactFrameIo.WriteAsync(stream, request, ct).ConfigureAwait(false);
        return await ReadReplyAsync(stream, ct).ConfigureAwait(false);
    }

    private static async Task<PreflightReply> ReadReplyAsync(Stream stream, CancellationToken ct)
    {
        var frame = await ExactFrameIo.ReadFrameAsync(stream, ct).ConfigureAwait(false);
        var reply = ControlCodec.Decode(PreflightReply.Parser, frame.AsSpan(FrameParser.HeaderSize));
        return reply.BodyCase == PreflightReply.BodyOneofCase.Refused
            ? throw new PcclException(PcclErrorCode.ConnectionRefused, $"the master refused the preflight check: {reply.Refused}", isTransient: true)
            : reply;
    }

    /// <summary>
    /// Adds every row not measured yet, failed because of <paramref name="cause"/>, in the fixed order; the socket
    /// buffers' row, local, from <paramref name="window"/> without a round trip where the session did not judge it.
    /// </summary>
    private static PreflightOutcome Outcome(List<PreflightCheck> checks, long window, string cause)
    {
        var why = Format(PreflightAdvice.NotMeasured, cause);
        PreflightCheck[] all =
        [
            PreflightCheck.Failed("master_tcp", "ms", why), PreflightCheck.Failed("master_udp", "", why), PreflightCheck.Failed("p2p_port", "port", why),
            PreflightCheck.Failed("auth", "", why), NetworkRequirement.Bandwidth.NotMeasured(why), NetworkRequirement.Rtt.NotMeasured(why),
            NetworkRequirement.PacketLoss.NotMeasured(why), NetworkRequirement.Jitter.NotMeasured(why),
            SocketBuffers.Judge(window, null),
        ];
        var rows = all.Select(row => checks.FirstOrDefault(c => c.Name == row.Name) ?? row).ToList();
        return new PreflightOutcome(rows.All(r => r.Status != CheckStatus.Fail), rows);
    }

    private static double ElapsedMs(long started) => Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Format(string template, params object?[] values) => string.Format(CultureInfo.InvariantCulture, template, values);
}
