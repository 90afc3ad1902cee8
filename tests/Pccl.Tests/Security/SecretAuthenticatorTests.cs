using System.Security.Cryptography;
using System.Text;
using Pccl.Tests.Security.Support;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

public sealed class SecretAuthenticatorTests
{
    private static readonly byte[] Hello = "PCCL\u0001hello kind=control cluster=test"u8.ToArray();

    [Fact]
    public async Task SameSecret_AuthenticatesBothSides()
    {
        var (serverError, clientError) = await RunAsync("correct horse battery staple", "correct horse battery staple", Hello, Hello);

        Assert.Null(serverError);
        Assert.Null(clientError);
    }

    [Fact]
    public async Task StreamStaysUsable_AfterAuthentication()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await LoopbackPair.ConnectAsync(ct);
        var auth = new SecretAuthenticator("s3cret"u8);

        await Task.WhenAll(auth.RunServerAsync(pair.Server, Hello, ct), auth.RunClientAsync(pair.Client, Hello, ct));
        await pair.Server.WriteAsync("reply"u8.ToArray(), ct);
        var reply = new byte[5];
        await pair.Client.ReadExactlyAsync(reply, ct);

        Assert.Equal("reply"u8.ToArray(), reply);
        Assert.Equal(0, pair.ClientSocket.Available);
    }

    [Fact]
    public async Task WrongSecret_FailsOnBothSides_WithoutRevealingEitherSecret()
    {
        const string serverSecret = "server-side-secret-7f3a";
        const string clientSecret = "client-side-secret-91bc";

        var (serverError, clientError) = await RunAsync(serverSecret, clientSecret, Hello, Hello);

        foreach (var error in new[] { serverError, clientError })
        {
            var pccl = Assert.IsType<PcclException>(error);
            Assert.Equal(PcclErrorCode.AuthenticationFailed, pccl.Code);
            Assert.Contains(SecretAuthenticator.MismatchMessage, pccl.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(serverSecret, pccl.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(clientSecret, pccl.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DifferentTranscripts_FailEvenWithTheSameSecret()
    {
        var tampered = Hello.ToArray();
        tampered[^1] ^= 1;

        var (serverError, clientError) = await RunAsync("same", "same", Hello, tampered);

        Assert.Equal(PcclErrorCode.AuthenticationFailed, Assert.IsType<PcclException>(serverError).Code);
        Assert.Equal(PcclErrorCode.AuthenticationFailed, Assert.IsType<PcclException>(clientError).Code);
    }

    [Fact]
    public async Task ServerThatAcceptsWithoutKnowingTheSecret_IsRefusedByClient()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await LoopbackPair.ConnectAsync(ct);
        var client = new SecretAuthenticator("real secret"u8);

        var impostor = Task.Run(async () =>
        {
            await pair.Server.WriteAsync(new byte[] { 0xA1 }.Concat(new byte[SecretAuthenticator.NonceSize]).ToArray(), ct);
            await pair.Server.ReadExactlyAsync(new byte[SecretAuthenticator.ResponseSize], ct);
            var acceptedWithGarbageProof = new byte[SecretAuthenticator.VerdictSize];
            acceptedWithGarbageProof[0] = 0xA3;
            await pair.Server.WriteAsync(acceptedWithGarbageProof, ct);
        }, ct);
        var error = await Assert.ThrowsAsync<PcclException>(() => client.RunClientAsync(pair.Client, Hello, ct));
        await impostor;

        Assert.Equal(PcclErrorCode.AuthenticationFailed, error.Code);
        Assert.Contains(SecretAuthenticator.MismatchMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerWithoutAuth_IsReportedAsProtocolViolation()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await LoopbackPair.ConnectAsync(ct);
        var client = new SecretAuthenticator("secret"u8);

        await pair.Server.WriteAsync(new byte[SecretAuthenticator.ChallengeSize], ct);
        var error = await Assert.ThrowsAsync<PcclException>(() => client.RunClientAsync(pair.Client, Hello, ct));

        Assert.Equal(PcclErrorCode.ProtocolViolation, error.Code);
        Assert.Contains("auth.enabled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerClosingMidExchange_FailsWithAuthenticationFailed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await LoopbackPair.ConnectAsync(ct);
        var server = new SecretAuthenticator("secret"u8);

        pair.ClientSocket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var error = await Assert.ThrowsAsync<PcclException>(() => server.RunServerAsync(pair.Server, Hello, ct));

        Assert.Equal(PcclErrorCode.AuthenticationFailed, error.Code);
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentPeer_IsAbandonedWhenTheTokenFires()
    {
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);
        var client = new SecretAuthenticator("secret"u8);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.RunClientAsync(pair.Client, Hello, deadline.Token));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientProof_IsKeyedWithTheSecretsDerivedKey_NeverTheSecretItself(bool keyedWithTheRawSecret)
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await LoopbackPair.ConnectAsync(ct);
        var secret = "the cluster secret"u8.ToArray();
        var server = new SecretAuthenticator(secret);
        var serverSide = server.RunServerAsync(pair.Server, Hello, ct);

        // A client driven by hand: it answers the challenge with the HMAC keyed as chosen.
        var challenge = new byte[SecretAuthenticator.ChallengeSize];
        await pair.Client.ReadExactlyAsync(challenge, ct);
        var response = new byte[SecretAuthenticator.ResponseSize];
        response[0] = 0xA2;
        using (var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256,
                   keyedWithTheRawSecret ? secret : HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, [], "pccl handshake v2"u8.ToArray())))
        {
            hmac.AppendData("client"u8);
            hmac.AppendData(challenge.AsSpan(1));
            hmac.AppendData(response.AsSpan(1, SecretAuthenticator.NonceSize));
            hmac.AppendData(Hello);
            hmac.GetHashAndReset().CopyTo(response.AsSpan(1 + SecretAuthenticator.NonceSize));
        }

        await pair.Client.WriteAsync(response, ct);
        var verdict = new byte[SecretAuthenticator.VerdictSize];
        await pair.Client.ReadExactlyAsync(verdict, ct);

        if (keyedWithTheRawSecret)
        {
            Assert.Equal(0xA4, verdict[0]);
            var error = await Assert.ThrowsAsync<PcclException>(() => serverSide);
            Assert.Contains(SecretAuthenticator.MismatchMessage, error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(0xA3, verdict[0]);
            await serverSide;
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void MissingSecret_IsAConfigurationError(string? secret)
    {
        var error = Assert.Throws<PcclException>(() => SecretAuthenticator.FromOptions(new AuthOptions { Enabled = true, Secret = secret }));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains("auth.secret", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(Exception? Server, Exception? Client)> RunAsync(
        string serverSecret, string clientSecret, byte[] serverTranscript, byte[] clientTranscript)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(20));
        using var pair = await LoopbackPair.ConnectAsync(guard.Token);
        var server = SecretAuthenticator.FromOptions(new AuthOptions { Enabled = true, Secret = serverSecret });
        var client = new SecretAuthenticator(Encoding.UTF8.GetBytes(clientSecret));

        var serverSide = TlsHandshake.Capture(async () => { await server.RunServerAsync(pair.Server, serverTranscript, guard.Token); return true; }, pair.CloseServer);
        var clientSide = TlsHandshake.Capture(async () => { await client.RunClientAsync(pair.Client, clientTranscript, guard.Token); return true; }, pair.CloseClient);
        return ((await serverSide).Error, (await clientSide).Error);
    }
}
