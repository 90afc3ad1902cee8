using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport.Identity;
using Pccl.Kernel;
using Pccl.Transport.Security;

namespace Pccl.Transport;

/// <summary>
/// Opens and accepts PCCL connections: TCP (NoDelay), optional TLS, the preamble and hello, optional authentication,
/// then the server's verdict. Refusals carry a reason the user can act on.
/// </summary>
/// <remarks>
/// Client: preamble + hello. Server: a hello reply. On a control connection without auth that reply is final.
/// Otherwise it is a first reply (accepted = go on, or a refusal: wrong cluster, auth or TLS setting differs, address
/// not allowed, a p2p hello of the wrong kind or for another peer), then, with auth, the challenge-response over the
/// transcript (preamble, hello and first reply exactly as sent), then, on a p2p connection, the client's identity proof
/// over the same transcript (the first reply carries the server's challenge), then the final reply (admission:
/// connection kind, peer limit, membership and identity, ring sequence).
/// </remarks>
internal static class Handshake
{
    private const int IdentityChallengeSize = 32;

    /// <summary>
    /// Connects, sends the hello and waits for acceptance. Throws <see cref="PcclException"/> on refusal. A p2p
    /// connection (ring, state, bench) proves <c>hello.PeerId</c> with <paramref name="identity"/>; without one it sends
    /// an empty proof, which no peer accepts. With <paramref name="address"/> it connects to that address of
    /// <paramref name="host"/> (TLS still verifies the name). A standby master's refusal is a <see cref="StandbyRefusalException"/>.
    /// </summary>
    public static async Task<EstablishedConnection> ConnectAsync(
        string host, int port, Hello hello, ConnectionSecurity security, TimeSpan timeout, CancellationToken ct, PeerIdentity? identity = null,
        IPAddress? address = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var endpoint = address is null || address.ToString() == host ? $"{host}:{port}" : $"{host}:{port} ({address})";
        Socket socket;
        try
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException e)
        {
            throw new PcclException(PcclErrorCode.ConnectionRefused,
                $"cannot open a socket to connect to {endpoint}: {e.SocketErrorCode} (out of file descriptors?)", isTransient: true, e);
        }

        Stream? stream = null;
        try
        {
            try
            {
                SocketTuning.Apply(socket);
                if (address is null)
                {
                    await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
                }
                else
                {
                    await socket.ConnectAsync(address, port, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (SocketException e)
            {
                throw new PcclException(PcclErrorCode.ConnectionRefused,
                    $"cannot connect to {endpoint}: {e.SocketErrorCode} (is the process running and the port open? check ports 7117-7150; if its DNS name or IP address changed, use a stable DNS name or a static IP)",
                    isTransient: true, e);
            }

            stream = new NetworkStream(socket, ownsSocket: true);
            stream = await security.SecureClientAsync(stream, host, deadline.Token).ConfigureAwait(false);

            var sent = hello.Clone();
            sent.AuthEnabled = security.AuthEnabled;
            sent.Tls = security.TlsEnabled;
            var helloFrame = ControlCodec.EncodeFrame(sent);
            var opening = new byte[Preamble.Size + helloFrame.Length];
            Preamble.Write(opening);
            helloFrame.CopyTo(opening, Preamble.Size);
            await stream.WriteAsync(opening, deadline.Token).ConfigureAwait(false);
            await stream.FlushAsync(deadline.Token).ConfigureAwait(false);

            var replyFrame = await ExactFrameIo.ReadFrameAsync(stream, deadline.Token).ConfigureAwait(false);
            var reply = DecodeReply(replyFrame);
            if (!reply.Accepted)
            {
                throw RefusalToException(reply, endpoint);
            }

            var epoch = reply.Epoch;

            var p2p = IsP2P(sent.Kind);
            if (security.AuthEnabled || p2p)
            {
                var transcript = Concat(opening, replyFrame);
                await security.AuthenticateClientAsync(stream, transcript, deadline.Token).ConfigureAwait(false);
                if (p2p)
                {
                    var proof = new IdentityProof { Signature = ByteString.CopyFrom(identity?.Sign(transcript) ?? []) };
                    await ExactFrameIo.WriteAsync(stream, proof, deadline.Token).ConfigureAwait(false);
                }

                reply = DecodeReply(await ExactFrameIo.ReadFrameAsync(stream, deadline.Token).ConfigureAwait(false));
                if (!reply.Accepted)
                {
                    throw RefusalToException(reply, endpoint);
                }

                epoch = Math.Max(epoch, reply.Epoch);
            }

            return new EstablishedConnection(socket, stream, sent, socket.RemoteEndPoint as IPEndPoint) { MasterEpoch = epoch };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await DisposeQuietly(stream, socket).ConfigureAwait(false);
            throw new PcclException(PcclErrorCode.Timeout,
                $"handshake with {endpoint} did not finish within {timeout.TotalSeconds:0.#} s (the server may be overloaded or refusing silently)",
                isTransient: true);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
        {
            await DisposeQuietly(stream, socket).ConfigureAwait(false);
            throw new PcclException(PcclErrorCode.ConnectionRefused,
                $"{endpoint} closed the connection during the handshake ({e.Message}); it may be busy (too many pending handshakes), " +
                "or a network.tls or auth setting may differ between the two sides (see its log)",
                isTransient: true, e);
        }
        catch
        {
            await DisposeQuietly(stream, socket).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs the server side of the handshake on an accepted socket. Returns null (after telling the client why, where
    /// it can be told) when the connection is refused or fails; <paramref name="admit"/> may refuse by returning a
    /// reason, and <paramref name="onRefused"/> hears every refusal's reason for the log. A p2p listener passes
    /// <paramref name="p2p"/>: the client then gets a first reply with a challenge and must prove the peer id its hello
    /// claims. Never throws but for <paramref name="ct"/>.
    /// </summary>
    public static async Task<EstablishedConnection?> AcceptAsync(
        Socket socket, string clusterId, ConnectionSecurity security, Func<Hello, IPEndPoint?, Refusal?> admit, TimeSpan timeout,
        CancellationToken ct, Action<IPEndPoint?, string>? onRefused = null, P2PGatekeeper? p2p = null, Func<ulong>? epoch = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        IPEndPoint? remote = null;
        Stream stream;
        try
        {
            remote = socket.RemoteEndPoint as IPEndPoint;
            SocketTuning.Apply(socket);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            socket.Dispose();
            return null;
        }

        try
        {
            try
            {
                stream = await security.SecureServerAsync(stream, deadline.Token).ConfigureAwait(false);
            }
            catch (PlaintextClientException e)
            {
                await RefuseUnreadAsync(stream, new Refusal(RefusalReason.TlsRequired, e.Message), deadline.Token).ConfigureAwait(false);
                onRefused?.Invoke(remote, e.Message);
                return null;
            }

            // Before anything the client sent is read: an address outside the allow-list never gets its words parsed or logged.
            if (remote is not null && security.Access.Check(remote.Address, currentPeers: 0) is (false, { } outside))
            {
                var notAllowed = new Refusal(RefusalReason.NotAllowed, outside + " (auth.allowed_networks)");
                onRefused?.Invoke(remote, notAllowed.Message);
                await RefuseUnreadAsync(stream, notAllowed, deadline.Token).ConfigureAwait(false);
                return null;
            }

            var opening = new byte[Preamble.Size];
            await stream.ReadExactlyAsync(opening, deadline.Token).ConfigureAwait(false);
            var version = Preamble.Read(opening);
            if (version != Preamble.CurrentVersion)
            {
                return await RefuseAsync(stream, new Refusal(RefusalReason.VersionMismatch,
                    $"protocol version {version} is not supported; this side speaks version {Preamble.CurrentVersion}: run the same PCCL release everywhere"),
                    remote, onRefused, deadline.Token).ConfigureAwait(false);
            }

            var helloFrame = await ExactFrameIo.ReadFrameAsync(stream, deadline.Token).ConfigureAwait(false);
            var hello = ControlCodec.Decode(Hello.Parser, helloFrame.AsSpan(FrameParser.HeaderSize));
            if (CheckBeforeAuthentication(hello, clusterId, security) is { } early)
            {
                return await RefuseAsync(stream, early, remote, onRefused, deadline.Token).ConfigureAwait(false);
            }

            if (p2p?.CheckHello(hello) is { } misdirected)
            {
                return await RefuseAsync(stream, misdirected, remote, onRefused, deadline.Token).ConfigureAwait(false);
            }

            if (security.AuthEnabled || p2p is not null)
            {
                var proceed = new HelloReply { Accepted = true, ProtocolVersion = Preamble.CurrentVersion };
                if (p2p is not null)
                {
                    proceed.IdentityChallenge = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(IdentityChallengeSize));
                }

                var proceedFrame = ControlCodec.EncodeFrame(proceed);
                await stream.WriteAsync(proceedFrame, deadline.Token).ConfigureAwait(false);
                var transcript = Concat(opening, helloFrame, proceedFrame);
                await security.AuthenticateServerAsync(stream, transcript, deadline.Token).ConfigureAwait(false);
                if (p2p is not null)
                {
                    var proof = ControlCodec.Decode(IdentityProof.Parser, (await ExactFrameIo.ReadFrameAsync(stream, deadline.Token).ConfigureAwait(false)).AsSpan(FrameParser.HeaderSize));
                    if (await p2p.CheckIdentityAsync(hello, transcript, proof.Signature.Memory, deadline.Token).ConfigureAwait(false) is { } impostor)
                    {
                        return await RefuseAsync(stream, impostor, remote, onRefused, deadline.Token).ConfigureAwait(false);
                    }
                }
            }

            if (admit(hello, remote) is { } refusal)
            {
                return await RefuseAsync(stream, refusal, remote, onRefused, deadline.Token).ConfigureAwait(false);
            }

            await ExactFrameIo.WriteAsync(stream, new HelloReply { Accepted = true, ProtocolVersion = Preamble.CurrentVersion, Epoch = epoch?.Invoke() ?? 0 }, deadline.Token)
                .ConfigureAwait(false);
            return new EstablishedConnection(socket, stream, hello, remote);
        }
        catch (Exception e)
        {
            if (e is ProtocolException)
            {
                // A malformed preamble or hello: say so, in whatever the stream speaks by now.
                await TryWriteAsync(stream, new HelloReply { Accepted = false, Reason = RefusalReason.Malformed, Message = e.Message }).ConfigureAwait(false);
            }

            await DisposeQuietly(stream, socket).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            onRefused?.Invoke(remote, e switch
            {
                OperationCanceledException => $"handshake timed out after {timeout.TotalSeconds:0.#} s",
                PcclException => e.Message,
                _ => $"handshake failed: {e.Message}",
            });
            return null;
        }
    }

    /// <summary>What the server can decide from the hello alone, before spending work on authentication.</summary>
    private static Refusal? CheckBeforeAuthentication(Hello hello, string clusterId, ConnectionSecurity security)
    {
        if (hello.ClusterId != clusterId)
        {
            return new Refusal(RefusalReason.WrongCluster, $"cluster id {UntrustedText.Quote(hello.ClusterId)} does not match this cluster's {UntrustedText.Quote(clusterId)} (network.cluster_id)");
        }

        if (hello.AuthEnabled != security.AuthEnabled)
        {
            return new Refusal(RefusalReason.BadSecret,
                $"auth.enabled differs: this side has auth.enabled: {Flag(security.AuthEnabled)}, the connecting side {Flag(hello.AuthEnabled)}; " +
                "set auth.enabled and the same auth.secret on every process");
        }

        if (hello.Tls != security.TlsEnabled)
        {
            return new Refusal(RefusalReason.TlsRequired,
                $"network.tls.enabled differs: this side has {Flag(security.TlsEnabled)}, the connecting side {Flag(hello.Tls)}; set it the same on every process");
        }

        return null;
    }

    /// <summary>The connection kinds a peer's p2p listener serves, which prove the sender's identity.</summary>
    internal static bool IsP2P(ConnectionKind kind) => kind is ConnectionKind.Ring or ConnectionKind.State or ConnectionKind.Bench;

    private static string Flag(bool value) => value ? "true" : "false";

    private static HelloReply DecodeReply(byte[] frame) => ControlCodec.Decode(HelloReply.Parser, frame.AsSpan(FrameParser.HeaderSize));

    public static PcclException RefusalToException(HelloReply reply, string endpoint)
    {
        if (reply.Reason == RefusalReason.Standby)
        {
            return new StandbyRefusalException(endpoint, reply.LeaderAddress, reply.Message);
        }

        var code = reply.Reason switch
        {
            RefusalReason.VersionMismatch => PcclErrorCode.VersionMismatch,
            RefusalReason.BadSecret or RefusalReason.TlsRequired or RefusalReason.BadIdentity => PcclErrorCode.AuthenticationFailed,
            RefusalReason.Malformed => PcclErrorCode.ProtocolViolation,
            RefusalReason.ClusterFull => PcclErrorCode.ClusterFull,
            _ => PcclErrorCode.ConnectionRefused,
        };
        var transient = reply.Reason is RefusalReason.ClusterFull or RefusalReason.UnknownPeer or RefusalReason.OutOfSequence;
        return new PcclException(code, $"{endpoint} refused the connection ({Describe(reply.Reason)}): {reply.Message}", transient);
    }

    private static string Describe(RefusalReason reason) => reason switch
    {
        RefusalReason.VersionMismatch => "version mismatch",
        RefusalReason.WrongCluster => "wrong cluster",
        RefusalReason.BadSecret => "bad secret",
        RefusalReason.ClusterFull => "cluster full",
        RefusalReason.NotAllowed => "not allowed",
        RefusalReason.TlsRequired => "TLS required",
        RefusalReason.Malformed => "malformed hello",
        RefusalReason.UnknownPeer => "unknown peer",
        RefusalReason.BadIdentity => "bad identity",
        RefusalReason.OutOfSequence => "out of sequence",
        RefusalReason.Standby => "standby",
        _ => reason.ToString(),
    };

    private static async ValueTask<EstablishedConnection?> RefuseAsync(
        Stream stream, Refusal refusal, IPEndPoint? remote, Action<IPEndPoint?, string>? onRefused, CancellationToken ct)
    {
        onRefused?.Invoke(remote, refusal.Message);
        var reply = new HelloReply { Accepted = false, Reason = refusal.Reason, Message = refusal.Message, ProtocolVersion = Preamble.CurrentVersion, LeaderAddress = refusal.LeaderAddress };
        await TryWriteAsync(stream, reply, ct)
            .ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Refuses a client whose preamble and hello are still (partly) unread: a plaintext client of a TLS listener, of which
    /// only a byte was read, or an address outside the allow-list, of which nothing was. Closing with unread bytes would
    /// reset the connection and could destroy the answer before the client reads it, so the rest is drained (briefly,
    /// boundedly, unparsed) after the answer is sent.
    /// </summary>
    private static async ValueTask RefuseUnreadAsync(Stream stream, Refusal refusal, CancellationToken ct)
    {
        await TryWriteAsync(stream, new HelloReply { Accepted = false, Reason = refusal.Reason, Message = refusal.Message, ProtocolVersion = Preamble.CurrentVersion }, ct)
            .ConfigureAwait(false);
        try
        {
            if (stream is NetworkStream network)
            {
                network.Socket.Shutdown(SocketShutdown.Send);
            }

            using var drain = CancellationTokenSource.CreateLinkedTokenSource(ct);
            drain.CancelAfter(TimeSpan.FromSeconds(1));
            var sink = new byte[1024];
            for (var total = 0; total < 64 * 1024;)
            {
                var read = await stream.ReadAsync(sink, drain.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // the client is gone or silent; close anyway
        }

        await stream.DisposeAsync().ConfigureAwait(false);
    }

    private static async ValueTask TryWriteAsync(Stream stream, HelloReply reply, CancellationToken ct = default)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromMilliseconds(500));
            await ExactFrameIo.WriteAsync(stream, reply, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException or InvalidOperationException)
        {
            // the client is already gone; nothing to tell it
        }
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, offset);
            offset += part.Length;
        }

        return all;
    }

    private static async ValueTask DisposeQuietly(Stream? stream, Socket socket)
    {
        try
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
        {
            // closing a broken stream
        }

        socket.Dispose();
    }
}

