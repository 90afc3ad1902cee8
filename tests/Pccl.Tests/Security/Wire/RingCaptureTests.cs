using System.Net;
using System.Runtime.InteropServices;
using Pccl.Tests.Security.Support;

namespace Pccl.Tests.Security.Wire;

/// <summary>
/// What travels on a ring connection, seen from the network. Peer A listens on 127.0.0.2 while the master hands out
/// the address it saw, 127.0.0.1, so its ring neighbour connects through a proxy on 127.0.0.1 that records the bytes.
/// </summary>
[Collection(TestCertificatesCollection.Name)]
public sealed class RingCaptureTests(TestCertificates pki)
{
    private static readonly byte[] Pattern = "TENSOR-PLAINTEXT-PATTERN-0123456"u8.ToArray(); // ASCII: never NaN as floats

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RingBytes_ContainTheTensorInClear_OnlyWithoutTls(bool tls)
    {
        var ct = TestContext.Current.CancellationToken;
        var tlsMaster = tls ? pki.Options("server", pki.CaCert) : null;
        var tlsPeer = tls ? pki.Options("client", pki.CaCert) : null;
        await using var master = await SecureRun.StartMasterAsync(tlsMaster, SecureRun.Auth("capture secret"), ct);
        var options = SecureRun.Peer(master, tlsPeer, SecureRun.Auth("capture secret"), new PortRange(27250, 27300));
        var peers = new List<Communicator> { await Communicator.ConnectAsync(options with { P2PBindAddress = "127.0.0.2" }, ct: ct) };
        try
        {
            var a = peers[0];
            await using var proxy = new CapturingProxy(new IPEndPoint(IPAddress.Loopback, a.P2PPort), new IPEndPoint(IPAddress.Parse("127.0.0.2"), a.P2PPort));
            peers.Add(await SecureRun.JoinAsync(peers, options, ct));

            const int bytes = 1 << 20;
            var zeros = new float[bytes / sizeof(float)];
            var pattern = new float[bytes / sizeof(float)];
            var patternBytes = MemoryMarshal.AsBytes(pattern.AsSpan());
            for (var i = 0; i < patternBytes.Length; i++)
            {
                patternBytes[i] = Pattern[i % Pattern.Length];
            }

            var expected = (float[])pattern.Clone();
            await Task.WhenAll(peers[0].AllReduceAsync(zeros.AsMemory(), ct: ct), peers[1].AllReduceAsync(pattern.AsMemory(), ct: ct))
                .WaitAsync(SecureRun.Patience, ct);
            Assert.Equal(expected, zeros);
            Assert.Equal(expected, pattern);

            var captured = proxy.ClientBytes();
            Assert.True(proxy.Connections >= 1, "the ring did not go through the proxy");
            Assert.True(captured.Length > bytes / 2, $"only {captured.Length} bytes captured");
            Assert.Equal(!tls, captured.AsSpan().IndexOf(Pattern) >= 0);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }
}
