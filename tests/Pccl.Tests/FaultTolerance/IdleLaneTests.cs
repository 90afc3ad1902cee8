using Pccl.Tests.Security.Support;
using Pccl.Tests.Support;

namespace Pccl.Tests.FaultTolerance;

/// <summary>
/// Ring links that a neighbour closed while they sat idle in their lanes: the next operations on those lanes must open
/// fresh links instead of failing on the dead ones, one failed attempt per dead lane. Over TLS as well: the check looks at
/// the socket under the TLS stream, where records the TLS layer has not read yet (an outgoing lane is never read) could
/// make a closed link look alive.
/// </summary>
[Collection(TestCertificatesCollection.Name)]
public class IdleLaneTests(TestCertificates pki)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const int Elements = 50_001;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LanesANeighbourClosedWhileIdleAreOpenedAgainInsteadOfFailingTheNextOperations(bool tls)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with
        {
            Port = 0,
            BindAddress = "127.0.0.1",
            Tls = tls ? pki.Options("server", pki.CaCert) : TlsOptions.Disabled,
        }, ct: ct);
        var options = CommunicatorOptions.Default with
        {
            Tls = tls ? pki.Options("client", pki.CaCert) : TlsOptions.Disabled,
            MasterHost = "127.0.0.1",
            MasterPort = master.Port,
            P2PBindAddress = "127.0.0.1",
            P2PPorts = new PortRange(27450, 27550),
        };
        var peers = await Admission.ConnectWorldAsync(options, 3, ct);
        try
        {
            Pccl.Operations.Faults.RingFaultSite? third = null;
            peers[2].FaultInjector = new FaultHooks
            {
                OnRingStarted = site =>
                {
                    third = site;
                    return ValueTask.CompletedTask;
                },
            };
            await AllReduceOnEveryLaneAsync(peers, ct); // every lane has been used and is idle again
            peers[2].FaultInjector = null;

            // The third peer closes its ends of every lane; its neighbours' ends stay in their lane tables, dead.
            await third!.BreakRingLinksAsync();

            await AllReduceOnEveryLaneAsync(peers, ct);
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }

    /// <summary>As many concurrent all-reduces as there are lanes, without retries: each must succeed at its first attempt.</summary>
    private static async Task AllReduceOnEveryLaneAsync(List<Communicator> peers, CancellationToken ct)
    {
        var lanes = CommunicatorOptions.Default.P2PConnectionPoolSize;
        var buffers = peers.Select((_, p) => Enumerable.Range(0, lanes).Select(op => Filled(p + op)).ToArray()).ToArray();

        await Task.WhenAll(peers.SelectMany((peer, p) => Enumerable.Range(0, lanes).Select(op =>
            peer.AllReduceAsync(buffers[p][op].AsMemory(), new AllReduceOptions { Tag = (uint)op }, ct)))).WaitAsync(Patience, ct);

        for (var op = 0; op < lanes; op++)
        {
            var expected = Enumerable.Range(0, Elements).Select(i => (float)((op + i) % 17 + (op + 1 + i) % 17 + (op + 2 + i) % 17)).ToArray();
            Assert.All(buffers, b => Assert.Equal(expected, b[op]));
        }
    }

    private static float[] Filled(int seed) => [.. Enumerable.Range(0, Elements).Select(i => (float)((seed + i) % 17))];
}
