using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Server.Preflight;

/// <summary>One preflighting host's connection: answers its requests in order (an upload once) until it asks for the bulk transfer or leaves.</summary>
internal sealed class PreflightSession(EstablishedConnection connection, HeartbeatMonitor heartbeats, ConnectionSecurity security, ulong probeId, long probeConnectionId)
    : IAsyncDisposable
{
    /// <summary>Bytes of the nonce written on a dial-back connection.</summary>
    public const int NonceSize = 16;

    private static readonly TimeSpan DialBackTimeout = TimeSpan.FromSeconds(3);
    private static readonly byte[] Filler = new byte[64 * 1024];

    private bool _probing;
    private bool _dialed;
    private bool _uploaded;

    public async Task RunAsync(CancellationToken ct)
    {
        while (true)
        {
            var frame = await ExactFrameIo.ReadFrameAsync(connection.Stream, ct).ConfigureAwait(false);
            var request = ControlCodec.Decode(PreflightRequest.Parser, frame.AsSpan(FrameParser.HeaderSize));
            switch (request.BodyCase)
            {
                case PreflightRequest.BodyOneofCase.ProbeSession when !_probing:
                    await ReplyAsync(new PreflightReply { ProbeSession = OpenProbeSession() }, ct).ConfigureAwait(false);
                    break;
                case PreflightRequest.BodyOneofCase.DialBack when !_dialed:
                    _dialed = true;
                    await ReplyAsync(new PreflightReply { DialBack = await DialBackAsync(request.DialBack, ct).ConfigureAwait(false) }, ct).ConfigureAwait(false);
                    break;
                case PreflightRequest.BodyOneofCase.Upload when !_uploaded:
                    _uploaded = true;
                    await ReplyAsync(new PreflightReply { UploadLimit = (ulong)PreflightService.MaxBulkBytes }, ct).ConfigureAwait(false);
                    await ReplyAsync(new PreflightReply { Upload = await ReceiveUploadAsync(ct).ConfigureAwait(false) }, ct).ConfigureAwait(false);
                    break;
                case PreflightRequest.BodyOneofCase.Bulk:
                    await SendBulkAsync(request.Bulk.Bytes, ct).ConfigureAwait(false);
                    return;
                default:
                    await RefuseAsync($"preflight request {request.BodyCase} is unknown or was asked for twice", ct).ConfigureAwait(false);
                    return;
            }
        }
    }

    public ValueTask RefuseAsync(string reason, CancellationToken ct) => ReplyAsync(new PreflightReply { Refused = reason }, ct);

    private PreflightProbeSession OpenProbeSession()
    {
        _probing = true;
        var credentials = HeartbeatCredentials.Draw();
        heartbeats.Track(probeConnectionId, probeId, credentials.Token, security.HeartbeatMacFor(probeId, credentials));
        return new PreflightProbeSession { ProbeId = probeId, Token = credentials.Token, KeyMaterial = credentials.Key };
    }

    /// <summary>Dials only the address this connection came from, so the master cannot be used to reach anyone else.</summary>
    private async Task<PreflightDialBackResult> DialBackAsync(PreflightDialBack request, CancellationToken ct)
    {
        if (connection.Remote is not { } remote || request.Port is 0 or > ushort.MaxValue || request.Nonce.Length != NonceSize)
        {
            return new PreflightDialBackResult { Error = "invalid dial-back request (no address, a port outside 1-65535 or a nonce not of 16 bytes)" };
        }

        var target = new IPEndPoint(remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address, (int)request.Port);
        var result = new PreflightDialBackResult { Address = target.ToString() };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(DialBackTimeout);
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            SocketTuning.Apply(socket);
            await socket.ConnectAsync(target, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(request.Nonce.Memory, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            result.Connected = true;
        }
        catch (SocketException e)
        {
            result.Error = e.SocketErrorCode.ToString();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            result.Error = $"no answer within {DialBackTimeout.TotalSeconds:0} s";
        }

        return result;
    }

    private async Task SendBulkAsync(ulong asked, CancellationToken ct)
    {
        var bytes = (long)Math.Min(asked, (ulong)PreflightService.MaxBulkBytes);
        await ReplyAsync(new PreflightReply { BulkBytes = (ulong)bytes }, ct).ConfigureAwait(false);
        for (var left = bytes; left > 0; left -= Filler.Length)
        {
            await connection.Stream.WriteAsync(Filler.AsMemory(0, (int)Math.Min(left, Filler.Length)), ct).ConfigureAwait(false);
        }

        await connection.Stream.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Reads the host's upload frames up to the empty one that ends them; more than the limit break the session.</summary>
    private async Task<PreflightUploadResult> ReceiveUploadAsync(CancellationToken ct)
    {
        long received = 0, timed = 0, first = 0, last = 0;
        while (await ExactFrameIo.ReadFrameAsync(connection.Stream, ct).ConfigureAwait(false) is { Length: > FrameParser.HeaderSize } frame)
        {
            var length = frame.Length - FrameParser.HeaderSize;
            received += length;
            if (received > PreflightService.MaxBulkBytes)
            {
                throw new ProtocolException($"the preflight upload went past its limit of {PreflightService.MaxBulkBytes} bytes");
            }

            last = System.Diagnostics.Stopwatch.GetTimestamp();
            if (first == 0)
            {
                first = last;
            }
            else
            {
                timed += length;
            }
        }

        return new PreflightUploadResult
        {
            TimedBytes = (ulong)timed,
            Micros = first == 0 ? 0 : (ulong)System.Diagnostics.Stopwatch.GetElapsedTime(first, last).TotalMicroseconds,
        };
    }

    private ValueTask ReplyAsync(IMessage reply, CancellationToken ct) => ExactFrameIo.WriteAsync(connection.Stream, reply, ct);

    public async ValueTask DisposeAsync()
    {
        if (_probing)
        {
            heartbeats.Forget(probeId);
        }

        await connection.Stream.DisposeAsync().ConfigureAwait(false);
    }
}
