using Pccl.Tests.Security.Support;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

[Collection(TestCertificatesCollection.Name)]
public sealed class TlsStreamFactoryTests(TestCertificates pki)
{
    [Fact]
    public async Task MutualTls_WithSharedCa_Succeeds_AndCarriesDataBothWays()
    {
        using var server = new TlsStreamFactory(pki.Options("server", pki.CaCert));
        using var client = new TlsStreamFactory(pki.Options("client", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        Assert.Null(result.ServerError);
        Assert.Null(result.ClientError);
        Assert.True(result.Server!.IsMutuallyAuthenticated);
        Assert.Contains("pccl-client", result.Server.RemoteCertificate!.Subject, StringComparison.Ordinal);
        Assert.Contains("pccl-server", result.Client!.RemoteCertificate!.Subject, StringComparison.Ordinal);
        Assert.True(result.Client.SslProtocol is System.Security.Authentication.SslProtocols.Tls12 or System.Security.Authentication.SslProtocols.Tls13);

        var ct = TestContext.Current.CancellationToken;
        await result.Client.WriteAsync("PCCL ping"u8.ToArray(), ct);
        var ping = new byte[9];
        await result.Server.ReadExactlyAsync(ping, ct);
        Assert.Equal("PCCL ping"u8.ToArray(), ping);
        await result.Server.WriteAsync("pong"u8.ToArray(), ct);
        var pong = new byte[4];
        await result.Client.ReadExactlyAsync(pong, ct);
        Assert.Equal("pong"u8.ToArray(), pong);
    }

    [Fact]
    public async Task ClientFromOtherCa_IsRefused_OnBothSides()
    {
        using var server = new TlsStreamFactory(pki.Options("server", pki.CaCert));
        using var client = new TlsStreamFactory(pki.Options("other", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        var serverError = AssertAuthenticationFailed(result.ServerError);
        Assert.Contains("unknown CA", serverError.Message, StringComparison.Ordinal);
        Assert.Contains("Unrelated Test CA", serverError.Message, StringComparison.Ordinal);
        var clientError = AssertAuthenticationFailed(result.ClientError);
        Assert.Contains("the server refused our certificate", clientError.Message, StringComparison.Ordinal);
        Assert.Contains("unknown CA", clientError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientWithoutCertificate_IsRefusedByMutualServer_AndToldWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new TlsStreamFactory(pki.Options("server", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(ct);
        await using var bareClient = new System.Net.Security.SslStream(pair.Client, leaveInnerStreamOpen: true);
        var clientOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null, // trust is not what this test is about
        };

        var serverSide = Assert.ThrowsAsync<PcclException>(() => server.AuthenticateAsServerAsync(pair.Server, ct));
        await bareClient.AuthenticateAsClientAsync(clientOptions, ct);
        var verdict = new byte[128];
        var read = await bareClient.ReadAsync(verdict, ct);
        var error = await serverSide;

        Assert.Equal(PcclErrorCode.AuthenticationFailed, error.Code);
        Assert.Contains("no certificate was presented", error.Message, StringComparison.Ordinal);
        Assert.True(read > 0);
        Assert.Equal(0xC6, verdict[0]);
    }

    [Fact]
    public async Task ServerFromOtherCa_IsRefusedByClient()
    {
        using var server = new TlsStreamFactory(pki.Options("other", pki.OtherCaCert));
        using var client = new TlsStreamFactory(pki.Options("client", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        var clientError = AssertAuthenticationFailed(result.ClientError);
        Assert.Contains("refused the server's certificate", clientError.Message, StringComparison.Ordinal);
        Assert.Contains("unknown CA", clientError.Message, StringComparison.Ordinal);
        AssertAuthenticationFailed(result.ServerError);
    }

    [Fact]
    public async Task ExpiredClientCertificate_IsRefused()
    {
        using var server = new TlsStreamFactory(pki.Options("server", pki.CaCert));
        using var client = new TlsStreamFactory(pki.Options("expired", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        var serverError = AssertAuthenticationFailed(result.ServerError);
        Assert.Contains("expired", serverError.Message, StringComparison.Ordinal);
        var clientError = AssertAuthenticationFailed(result.ClientError);
        Assert.Contains("the server refused our certificate", clientError.Message, StringComparison.Ordinal);
        Assert.Contains("expired", clientError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredServerCertificate_IsRefusedByClient()
    {
        using var server = new TlsStreamFactory(pki.Options("expired", pki.CaCert));
        using var client = new TlsStreamFactory(pki.Options("client", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        var clientError = AssertAuthenticationFailed(result.ClientError);
        Assert.Contains("expired", clientError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutCaFile_ClientChecksServerAgainstSystemStore_AndRefusesPrivateCa()
    {
        using var server = new TlsStreamFactory(pki.Options("server", caFile: null));
        using var client = new TlsStreamFactory(pki.Options("client", caFile: null));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        var clientError = AssertAuthenticationFailed(result.ClientError);
        Assert.Contains("network.tls.ca_file", clientError.Message, StringComparison.Ordinal);
        Assert.False(server.IsMutual);
    }

    [Fact]
    public async Task PlaintextClient_AgainstTlsServer_GetsTlsRequired()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new TlsStreamFactory(pki.Options("server", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(ct);

        await pair.Client.WriteAsync("PCCL\u0001hello"u8.ToArray(), ct);
        var error = await Assert.ThrowsAsync<PlaintextClientException>(() => server.AuthenticateAsServerAsync(pair.Server, ct));

        Assert.Equal(PcclErrorCode.AuthenticationFailed, error.Code);
        Assert.StartsWith(TlsFailure.TlsRequired, error.Message, StringComparison.Ordinal);
        Assert.Contains("network.tls.enabled", error.Message, StringComparison.Ordinal);
        // Nothing was written, so the server may still answer the plaintext client with a refusal.
        Assert.Equal(0, pair.ClientSocket.Available);
    }

    [Fact]
    public async Task TlsClient_AgainstPlaintextServer_ReportsPeerIsNotSpeakingTls()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new TlsStreamFactory(pki.Options("client", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(ct);

        var plaintextServer = Task.Run(async () =>
        {
            var hello = new byte[5];
            await pair.Server.ReadExactlyAsync(hello, ct);
            await pair.Server.WriteAsync("PCCL\u0001refused: not a PCCL hello................"u8.ToArray(), ct);
        }, ct);
        var error = await Assert.ThrowsAsync<PcclException>(() => client.AuthenticateAsClientAsync(pair.Client, "127.0.0.1", ct));
        await plaintextServer;

        Assert.Equal(PcclErrorCode.AuthenticationFailed, error.Code);
        Assert.Contains("not speaking TLS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientClosingBeforeHandshake_IsReportedAsTransient()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new TlsStreamFactory(pki.Options("server", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(ct);

        pair.ClientSocket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var error = await Assert.ThrowsAsync<PcclException>(() => server.AuthenticateAsServerAsync(pair.Server, ct));

        Assert.Equal(PcclErrorCode.AuthenticationFailed, error.Code);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task ServerClosingBeforeTheHandshake_AsAFullHandshakeLimitDoes_IsATransientConnectionFailure()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new TlsStreamFactory(pki.Options("client", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(ct);

        pair.CloseServer(); // a listener with too many pending handshakes closes new connections unheard
        var error = await Assert.ThrowsAsync<PcclException>(() => client.AuthenticateAsClientAsync(pair.Client, "127.0.0.1", ct));

        Assert.Equal(PcclErrorCode.ConnectionRefused, error.Code);
        Assert.True(error.IsTransient);
        Assert.Contains("the server closed the connection before the TLS handshake", error.Message, StringComparison.Ordinal);
        Assert.Contains("busy", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("certificate", error.Message, StringComparison.Ordinal);
    }

    private static PcclException AssertAuthenticationFailed(Exception? error)
    {
        var pccl = Assert.IsType<PcclException>(error);
        Assert.Equal(PcclErrorCode.AuthenticationFailed, pccl.Code);
        return pccl;
    }
}
