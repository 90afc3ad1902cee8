using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Pccl.Tests.Security.Support;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

/// <summary>
/// What a TLS connection may be made of, beyond whose certificate it is: certificates meant for another use are refused,
/// TLS 1.2 offers only AEAD suites, and no session is resumed. The suite and resumption checks use the openssl CLI as
/// the client, so they see what any TLS stack would be offered.
/// </summary>
[Collection(TestCertificatesCollection.Name)]
public sealed class TlsPolicyTests(TestCertificates pki)
{
    [Fact]
    public async Task ClientCertificateForCodeSigning_IsRefused_AndBothSidesAreToldWhy()
    {
        using var server = new TlsStreamFactory(pki.Options("server", pki.CaCert));
        using var client = new TlsStreamFactory(pki.Options("codesign", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        var serverError = Assert.IsType<PcclException>(result.ServerError);
        Assert.Equal(PcclErrorCode.AuthenticationFailed, serverError.Code);
        Assert.Contains("not valid for TLS client authentication", serverError.Message, StringComparison.Ordinal);
        Assert.Contains("Code Signing", serverError.Message, StringComparison.Ordinal);
        Assert.Contains("extendedKeyUsage=serverAuth,clientAuth", serverError.Message, StringComparison.Ordinal);
        var clientError = Assert.IsType<PcclException>(result.ClientError);
        Assert.Contains("the server refused our certificate", clientError.Message, StringComparison.Ordinal);
        Assert.Null(result.Server);
    }

    [Fact]
    public async Task ServerCertificateForCodeSigning_IsRefusedByTheClient()
    {
        using var server = new TlsStreamFactory(pki.Options("codesign", pki.CaCert));
        using var client = new TlsStreamFactory(pki.Options("client", pki.CaCert));
        using var pair = await LoopbackPair.ConnectAsync(TestContext.Current.CancellationToken);

        using var result = await TlsHandshake.RunAsync(pair, server, client);

        var clientError = Assert.IsType<PcclException>(result.ClientError);
        Assert.Equal(PcclErrorCode.AuthenticationFailed, clientError.Code);
        Assert.Contains("not valid for TLS server authentication", clientError.Message, StringComparison.Ordinal);
        Assert.Null(result.Client);
    }

    [Theory]
    [InlineData("ECDHE-ECDSA-AES128-SHA256")]
    [InlineData("ECDHE-ECDSA-AES256-SHA384")]
    [InlineData("ECDHE-ECDSA-AES128-SHA")]
    public async Task Tls12CbcSuites_AreNotOffered(string cbcSuite)
    {
        using var server = new TlsStreamFactory(pki.Options("server", caFile: null));

        // control: the same server and probe agree on an AEAD suite, so a failure below is not the probe's setup
        var (controlExit, controlOutput, _) = await ProbeAsync(server, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");
        Assert.True(controlExit == 0, controlOutput);

        var (exitCode, output, serverErrors) = await ProbeAsync(server, "-tls1_2", "-cipher", cbcSuite);
        TestContext.Current.TestOutputHelper?.WriteLine($"{output}\nserver: {string.Join(" | ", serverErrors)}");

        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain($"Cipher is {cbcSuite}", output, StringComparison.Ordinal);
        // the refusal is the cipher negotiation: the server answered the hello with a handshake_failure alert (40)
        Assert.Contains("alert handshake failure", output, StringComparison.Ordinal);
        Assert.Contains("SSL alert number 40", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ECDHE-ECDSA-AES128-GCM-SHA256")]
    [InlineData("ECDHE-ECDSA-AES256-GCM-SHA384")]
    [InlineData("ECDHE-ECDSA-CHACHA20-POLY1305")]
    public async Task Tls12AeadSuites_AreAccepted(string aeadSuite)
    {
        using var server = new TlsStreamFactory(pki.Options("server", caFile: null));

        var (exitCode, output, _) = await ProbeAsync(server, "-tls1_2", "-cipher", aeadSuite);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"Cipher is {aeadSuite}", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task NoSessionIsResumed(string version)
    {
        using var server = new TlsStreamFactory(pki.Options("server", caFile: null));
        var session = pki.Path($"session{version}.pem");

        // The first client waits for the server's close (-ign_eof), so it reads whatever the server sends after the
        // handshake, and saves a session only if it got one it could resume. Under TLS 1.2 the server issues no ticket
        // and no session id, so there is nothing to save. Under TLS 1.3 OpenSSL still sends its stateful tickets (.NET
        // cannot set their number to zero); each names a session the server never stores, so offering it back must give
        // a full handshake. TheResumptionProbeResumesWhereAServerAllowsIt shows the same probes do resume elsewhere.
        var (firstExit, first, _) = await ProbeAsync(server, version, "-ign_eof", "-sess_out", session);

        Assert.True(firstExit == 0, first);
        if (version == "-tls1_2")
        {
            Assert.DoesNotContain("TLS session ticket lifetime hint", first, StringComparison.Ordinal);
            Assert.False(File.Exists(session), first);
            return;
        }

        Assert.True(File.Exists(session), first);
        var (secondExit, second, _) = await ProbeAsync(server, version, "-sess_in", session);
        Assert.True(secondExit == 0, second);
        Assert.Contains("New, TLSv1.", second, StringComparison.Ordinal);
        Assert.DoesNotContain("Reused, TLSv1.", second, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task TheResumptionProbeResumesWhereAServerAllowsIt(string version)
    {
        // control for NoSessionIsResumed: the same two probes against a plain SslStream that allows resumption
        using var certificate = TlsCertificateLoader.LoadIdentity(pki.ServerCert, pki.ServerKey);
        var resuming = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            AllowTlsResume = true,
        };
        var session = pki.Path($"control-session{version}.pem");

        var (firstExit, first, _) = await ProbeAsync(Resuming, version, "-ign_eof", "-sess_out", session);
        Assert.True(firstExit == 0, first);
        var (secondExit, second, _) = await ProbeAsync(Resuming, version, "-sess_in", session);

        Assert.True(secondExit == 0, second);
        Assert.Contains("Reused, TLSv1.", second, StringComparison.Ordinal);

        async Task<SslStream> Resuming(Stream transport, CancellationToken ct)
        {
            var ssl = new SslStream(transport, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsServerAsync(resuming, ct);
            return ssl;
        }
    }

    /// <summary>
    /// Serves TLS on a loopback port with <paramref name="server"/> while <c>openssl s_client</c> connects to it; returns the
    /// probe's exit code and output, and the messages of the handshakes the server refused.
    /// </summary>
    private static Task<(int ExitCode, string Output, IReadOnlyList<string> ServerErrors)> ProbeAsync(TlsStreamFactory server,
        params string[] clientArguments) =>
        ProbeAsync((transport, ct) => server.AuthenticateAsServerAsync(transport, ct), clientArguments);

    /// <summary>As above, with any server handshake.</summary>
    private static async Task<(int ExitCode, string Output, IReadOnlyList<string> ServerErrors)> ProbeAsync(
        Func<Stream, CancellationToken, Task<SslStream>> handshake, params string[] clientArguments)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        var serverErrors = new List<string>();
        var serving = ServeAsync(listener, handshake, serverErrors, stop.Token);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (exitCode, output, errors) = await Task.Run(() =>
            TestCertificates.RunOpenSsl(["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", .. clientArguments]), stop.Token);
        await stop.CancelAsync();
        await serving;
        return (exitCode, output + errors, serverErrors);
    }

    private static async Task ServeAsync(TcpListener listener, Func<Stream, CancellationToken, Task<SslStream>> handshake, List<string> errors,
        CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var socket = await listener.AcceptSocketAsync(ct);
                await using var transport = new NetworkStream(socket, ownsSocket: false);
                await using var ssl = await handshake(transport, ct);
                await ssl.ShutdownAsync(); // close_notify, so the probe ends its session cleanly and exits 0
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (PcclException e)
            {
                errors.Add(e.Message);
            }
        }
    }
}
