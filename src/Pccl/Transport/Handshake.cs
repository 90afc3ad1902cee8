using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>
/// Opens and accepts PCCL connections: TCP (NoDelay), optional TLS, the preamble and hello, optional authentication,
/// then the server's verdict. Refusals carry a reason the user can act on.
/// </summary>
internal static class Handshake
{
    /// <summary>Connects, sends the hello and waits for acceptance. Throws <see cref="PcclException"/> on refusal.</summary>
    public static async Task<EstablishedConnection> ConnectAsync(
        string host, int port, Hello hello, ConnectionSecurity security, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        Stream? stream = null;
        try
        {
            SocketTuning.Apply(socket);
            try
            {
                await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new PcclException(PcclErrorCode.ConnectionRefused,
                    $"cannot connect to {host}:{port}: {e.SocketErrorCode} (is the process running and the port open? check ports 7117-7150)",
                    isTransient: true, e);
            }

            stream = new NetworkStream(socket, ownsSocket: true);
            stream = await security.SecureClientAsync(stream, host, deadline.Token).ConfigureAwait(false);

            var helloBytes = hello.ToByteArray();
            var opening = new byte[Preamble.Size];
            Preamble.Write(opening);
            await stream.WriteAsync(opening, deadline.Token).ConfigureAwait(false);
            await ExactFrameIo.WriteAsync(stream, hello, deadline.Token).ConfigureAwait(false);
            if (security.AuthEnabled)
            {
                await security.AuthenticateClientAsync(stream, helloBytes, deadline.Token).ConfigureAwait(false);
            }

            var reply = await ExactFrameIo.ReadAsync(stream, HelloReply.Parser, deadline.Token).ConfigureAwait(false);
            if (!reply.Accepted)
            {
                throw RefusalToException(reply, $"{host}:{port}");
            }

            return new EstablishedConnection(socket, stream, hello, socket.RemoteEndPoint as IPEndPoint);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await DisposeQuietly(stream, socket).ConfigureAwait(false);
            throw new PcclException(PcclErrorCode.Timeout, $"handshake with {host}:{port} did not finish within {timeout.TotalSeconds:0.#} s", isTransient: true);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            await DisposeQuietly(stream, socket).ConfigureAwait(false);
            throw new PcclException(PcclErrorCode.ConnectionRefused,
                $"{host}:{port} closed the connection during the handshake ({e.Message}); a TLS or auth setting may differ between the two sides",
                isTransient: true, e);
        }
        catch
        {
            await DisposeQuietly(stream, socket).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs the server side of the handshake on an accepted socket. Returns null (after telling the client why) when the
    /// connection is refused; <paramref name="admit"/> may refuse by returning a reason.
    /// </summary>
    public static async Task<EstablishedConnection?> AcceptAsync(
        Socket socket, string clusterId, ConnectionSecurity security, Func<Hello, IPEndPoint?, Refusal?> admit, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        SocketTuning.Apply(socket);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var remote = socket.RemoteEndPoint as IPEndPoint;
        try
        {
            stream = await security.SecureServerAsync(stream, deadline.Token).ConfigureAwait(false);
            var opening = new byte[Preamble.Size];
            await stream.ReadExactlyAsync(opening, deadline.Token).ConfigureAwait(false);
            var version = Preamble.Read(opening);
            if (version != Preamble.CurrentVersion)
            {
                await RefuseAsync(stream, new Refusal(RefusalReason.VersionMismatch,
                    $"protocol version {version} is not supported; this side speaks version {Preamble.CurrentVersion}: run the same PCCL release everywhere"), deadline.Token).ConfigureAwait(false);
                return null;
            }

            var hello = await ExactFrameIo.ReadAsync(stream, Hello.Parser, deadline.Token).ConfigureAwait(false);
            if (security.AuthEnabled)
            {
                await security.AuthenticateServerAsync(stream, hello.ToByteArray(), deadline.Token).ConfigureAwait(false);
            }

            var refusal = hello.ClusterId != clusterId
                ? new Refusal(RefusalReason.WrongCluster, $"cluster id '{hello.ClusterId}' does not match this cluster's '{clusterId}' (network.cluster_id)")
                : admit(hello, remote);
            if (refusal is not null)
            {
                await RefuseAsync(stream, refusal, deadline.Token).ConfigureAwait(false);
                return null;
            }

            await ExactFrameIo.WriteAsync(stream, new HelloReply { Accepted = true, ProtocolVersion = Preamble.CurrentVersion }, deadline.Token).ConfigureAwait(false);
            return new EstablishedConnection(socket, stream, hello, remote);
        }
        catch (Exception e) when (e is ProtocolException or IOException or EndOfStreamException or OperationCanceledException or PcclException)
        {
            if (e is PcclException { Code: PcclErrorCode.AuthenticationFailed } or ProtocolException)
            {
                await TryRefuseAsync(stream, e).ConfigureAwait(false);
            }

            await stream.DisposeAsync().ConfigureAwait(false);
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            return null;
        }
    }

    public static PcclException RefusalToException(HelloReply reply, string endpoint)
    {
        var code = reply.Reason switch
        {
            RefusalReason.VersionMismatch => PcclErrorCode.VersionMismatch,
            RefusalReason.BadSecret => PcclErrorCode.AuthenticationFailed,
            _ => PcclErrorCode.ConnectionRefused,
        };
        var transient = reply.Reason is RefusalReason.ClusterFull or RefusalReason.UnknownPeer;
        return new PcclException(code, $"{endpoint} refused the connection ({reply.Reason}): {reply.Message}", transient);
    }

    private static async ValueTask RefuseAsync(Stream stream, Refusal refusal, CancellationToken ct)
    {
        await ExactFrameIo.WriteAsync(stream, new HelloReply { Accepted = false, Reason = refusal.Reason, Message = refusal.Message, ProtocolVersion = Preamble.CurrentVersion }, ct).ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
    }

    private static async ValueTask TryRefuseAsync(Stream stream, Exception reason)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var kind = reason is PcclException { Code: PcclErrorCode.AuthenticationFailed } ? RefusalReason.BadSecret : RefusalReason.Malformed;
            await ExactFrameIo.WriteAsync(stream, new HelloReply { Accepted = false, Reason = kind, Message = reason.Message }, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
            // the client is already gone; nothing to tell it
        }
    }

    private static async ValueTask DisposeQuietly(Stream? stream, Socket socket)
    {
        if (stream is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        socket.Dispose();
    }
}

/// <summary>Why a server refused a connection.</summary>
internal sealed record Refusal(RefusalReason Reason, string Message);

/// <summary>A connection past its handshake.</summary>
internal sealed record EstablishedConnection(Socket Socket, Stream Stream, Hello Hello, IPEndPoint? Remote);
