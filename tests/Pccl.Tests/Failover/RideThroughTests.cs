using Pccl.Tests.Support;

namespace Pccl.Tests.Failover;

/// <summary>
/// Two communicators run all-reduces with nothing but the retry helper while their master (A, first of their list) is
/// shut down and another (B, second of the list) starts: they register with B, regroup, and every step's result is
/// the exact sum of both inputs.
/// </summary>
public class RideThroughTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const int Elements = 10_007;
    private const int Steps = 30;
    private const int FailoverAfterStep = 5;
    // A loaded machine can stall this process past the default heartbeat timeout (500 ms): the peers would lose master A
    // to silence and follow it once more before it shuts down. Loss by silence is not what this test is about.
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(5);

    private static float[] Input(int peer, int step) => [.. Enumerable.Range(0, Elements).Select(i => (float)((peer * 7 + step + i) % 23))];

    private static float[] Sum(int step)
    {
        var (a, b) = (Input(0, step), Input(1, step));
        return [.. a.Zip(b, (x, y) => x + y)];
    }

    [Fact]
    public async Task TheRetryHelperRidesThroughAFailoverWithExactResults()
    {
        var ct = TestContext.Current.CancellationToken;
        var portB = ReservedPorts.Next();
        var (logA, logB) = (new CapturedLog(), new CapturedLog());
        var masterA = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1", HeartbeatTimeout = HeartbeatTimeout }, logA, ct);
        var portA = masterA.Port;
        MasterNode? masterB = null;
        var options = CommunicatorOptions.Default with
        {
            MasterEndpoints = [new MasterEndpoint("127.0.0.1", portA), new MasterEndpoint("127.0.0.1", portB)],
            MasterReconnectTimeout = TimeSpan.FromSeconds(20),
            HeartbeatTimeout = HeartbeatTimeout,
            P2PBindAddress = "127.0.0.1",
            P2PPorts = new PortRange(27500, 27600),
        };
        var logs = new[] { new CapturedLog(), new CapturedLog() };
        var first = await Communicator.ConnectAsync(options, logs[0], ct);
        List<Communicator> peers = [first, await Admission.AdmitAsync([first], Communicator.ConnectAsync(options, logs[1], ct), ct)];
        var changes = new List<MasterChangedEventArgs>();
        foreach (var peer in peers)
        {
            peer.MasterChanged += (_, e) =>
            {
                lock (changes)
                {
                    changes.Add(e);
                }
            };
        }

        var progress = new int[2];
        var mismatches = new List<string>();
        try
        {
            var running = peers.Select((peer, rank) => Task.Run(async () =>
            {
                for (var step = 0; step < Steps; step++)
                {
                    var buffer = Input(rank, step);
                    await peer.AllReduceWithRetryAsync(buffer.AsMemory(), ct: ct);
                    if (!buffer.AsSpan().SequenceEqual(Sum(step)))
                    {
                        lock (mismatches)
                        {
                            mismatches.Add($"peer {rank} step {step}");
                        }
                    }

                    Volatile.Write(ref progress[rank], step + 1);
                }
            }, ct)).ToArray();

            while (progress.Min() < FailoverAfterStep)
            {
                await Task.Delay(5, ct);
            }

            await masterA.DisposeAsync();
            masterB = await MasterNode.StartAsync(MasterOptions.Default with { Port = portB, BindAddress = "127.0.0.1", HeartbeatTimeout = HeartbeatTimeout }, logB, ct);
            var all = Task.WhenAll(running);
            await Task.WhenAny(all, Task.Delay(Patience, ct));
            Assert.True(all.IsCompleted, $"the peers did not finish (steps done: {string.Join(", ", progress)})");
            await all;

            Assert.Empty(mismatches);
            Assert.Equal(2, changes.Count);
            Assert.All(changes, e => Assert.EndsWith($":{portB}", e.NewMaster, StringComparison.Ordinal));
            Assert.All(changes, e => Assert.EndsWith($":{portA}", e.OldMaster, StringComparison.Ordinal));
            Assert.All(peers, p => Assert.Equal(2, p.GroupWorldSize));
        }
        catch (Exception e) when (FailureLogs.Show(e, ("master A", logA), ("master B", logB), ("peer 0", logs[0]), ("peer 1", logs[1])))
        {
        }
        finally
        {
            await Disposal.DisposeAllAsync([.. peers, masterA, masterB]);
        }
    }

    [Fact]
    public async Task WithoutAReconnectWindowALostMasterStaysLost()
    {
        var ct = TestContext.Current.CancellationToken;
        var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var options = CommunicatorOptions.Default with
        {
            MasterHost = "127.0.0.1",
            MasterPort = master.Port,
            P2PBindAddress = "127.0.0.1",
            P2PPorts = new PortRange(27610, 27640),
            MasterReconnectTimeout = TimeSpan.Zero,
        };
        var peers = await Admission.ConnectWorldAsync(options, 2, ct);
        try
        {
            await master.DisposeAsync();

            var lost = await Assert.ThrowsAsync<PcclException>(() => peers[0].AllReduceWithRetryAsync(new float[16].AsMemory(), ct: ct).WaitAsync(Patience, ct));
            Assert.Equal(PcclErrorCode.MasterLost, lost.Code);
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }
}
