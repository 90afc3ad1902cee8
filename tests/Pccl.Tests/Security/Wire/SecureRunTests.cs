using Pccl.Tests.Security.Support;
using Pccl.Transport;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Wire;

/// <summary>Whole runs with TLS and authentication on, and the refusals of processes that do not belong.</summary>
[Collection(TestCertificatesCollection.Name)]
public sealed class SecureRunTests(TestCertificates pki)
{
    private const string Secret = "correct horse battery staple";

    [Fact]
    public async Task ThreePeersJoinAndAllReduce_WithMutualTlsAndAuth()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(pki.Options("server", pki.CaCert), SecureRun.Auth(Secret), ct);
        var options = SecureRun.Peer(master, pki.Options("client", pki.CaCert), SecureRun.Auth(Secret)) with { P2PConnectionPoolSize = 2 };
        var peers = await SecureRun.ConnectWorldAsync(options, 3, ct);
        try
        {
            Assert.All(peers, p => Assert.Equal(3, p.GlobalWorldSize));
            await SecureRun.AllReduceOnceAsync(peers, 1_000_003, ct);
            await SecureRun.AllReduceOnceAsync(peers, 17, ct);
            Assert.All(peers, p => Assert.NotNull(p.HeartbeatRtt)); // signed heartbeats are answered
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    public static TheoryData<string> Intruders => ["wrong secret", "certificate from another CA", "plaintext client", "expired certificate", "auth disabled"];

    [Theory]
    [MemberData(nameof(Intruders))]
    public async Task AnIntruderIsRefusedWithItsReason_WhileTheRunGoesOn(string intruder)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(pki.Options("server", pki.CaCert), SecureRun.Auth(Secret), ct);
        var member = SecureRun.Peer(master, pki.Options("client", pki.CaCert), SecureRun.Auth(Secret));
        var peers = await SecureRun.ConnectWorldAsync(member, 2, ct);
        var run = new AllReduceLoop(peers);
        try
        {
            await run.WaitForMoreAsync(2, ct);
            var (options, code, reason) = intruder switch
            {
                "wrong secret" => (member with { Auth = SecureRun.Auth("not the secret") }, PcclErrorCode.AuthenticationFailed, "shared secret mismatch (auth.secret)"),
                "certificate from another CA" => (member with { Tls = pki.Options("other", pki.CaCert) }, PcclErrorCode.AuthenticationFailed, "unknown CA"),
                "plaintext client" => (member with { Tls = TlsOptions.Disabled }, PcclErrorCode.AuthenticationFailed, "TLS required"),
                "expired certificate" => (member with { Tls = pki.Options("expired", pki.CaCert) }, PcclErrorCode.AuthenticationFailed, "expired"),
                _ => (member with { Auth = AuthOptions.Disabled }, PcclErrorCode.AuthenticationFailed, "auth.enabled differs"),
            };

            var error = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(options, ct: ct));
            TestContext.Current.TestOutputHelper?.WriteLine($"{intruder}: {error.Code}: {error.Message}");

            Assert.Equal(code, error.Code);
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
            await run.WaitForMoreAsync(3, ct);
            Assert.All(peers, p => Assert.Equal(2, p.GlobalWorldSize));
        }
        finally
        {
            await run.StopAsync();
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task APeersP2PPort_RefusesACertificateFromAnotherCa_AndAWrongSecret()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(pki.Options("server", pki.CaCert), SecureRun.Auth(Secret), ct);
        var peers = await SecureRun.ConnectWorldAsync(SecureRun.Peer(master, pki.Options("client", pki.CaCert), SecureRun.Auth(Secret)), 1, ct);
        try
        {
            var hello = new Pccl.Protocol.Messages.Hello { Kind = Pccl.Protocol.Messages.ConnectionKind.Ring, ClusterId = "pccl", PeerId = 999 };
            using var otherCa = new ClusterSecurity(pki.Options("other", pki.CaCert), SecureRun.Auth(Secret));
            var tlsError = await Assert.ThrowsAsync<PcclException>(() =>
                Handshake.ConnectAsync("127.0.0.1", peers[0].P2PPort, hello, otherCa, TimeSpan.FromSeconds(10), ct));
            Assert.Contains("unknown CA", tlsError.Message, StringComparison.Ordinal);

            using var wrongSecret = new ClusterSecurity(pki.Options("client", pki.CaCert), SecureRun.Auth("guess"));
            var authError = await Assert.ThrowsAsync<PcclException>(() =>
                Handshake.ConnectAsync("127.0.0.1", peers[0].P2PPort, hello, wrongSecret, TimeSpan.FromSeconds(10), ct));
            Assert.Equal(PcclErrorCode.AuthenticationFailed, authError.Code);
            Assert.Contains("shared secret mismatch", authError.Message, StringComparison.Ordinal);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task MissingOrMismatchedFiles_AreStartupErrorsNamingTheFile()
    {
        var ct = TestContext.Current.CancellationToken;
        var missing = pki.Options("server", pki.CaCert) with { CertFile = pki.Path("nope.crt") };
        var masterError = await Assert.ThrowsAsync<PcclException>(() => SecureRun.StartMasterAsync(missing, null, ct));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, masterError.Code);
        Assert.Contains("nope.crt", masterError.Message, StringComparison.Ordinal);

        await using var master = await SecureRun.StartMasterAsync(pki.Options("server", pki.CaCert), null, ct);
        var mismatched = pki.Options("client", pki.CaCert) with { KeyFile = pki.ServerKey };
        var peerError = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(SecureRun.Peer(master, mismatched, null), ct: ct));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, peerError.Code);
        Assert.Contains("does not hold the private key", peerError.Message, StringComparison.Ordinal);

        var noSecret = await Assert.ThrowsAsync<PcclException>(() => SecureRun.StartMasterAsync(null, new AuthOptions { Enabled = true }, ct));
        Assert.Contains("auth.secret is required", noSecret.Message, StringComparison.Ordinal);
    }
}
