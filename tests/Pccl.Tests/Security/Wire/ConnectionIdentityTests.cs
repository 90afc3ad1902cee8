using Pccl.Protocol.Messages;
using Pccl.Tests.Security.Support;
using Pccl.Tests.Support;
using Pccl.Transport;
using Pccl.Transport.Identity;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Wire;

/// <summary>
/// Every p2p connection proves the peer id the master assigned: attackers with a raw wire client try to pull shared
/// state and take over ring lanes, as strangers (auth off) and as members (auth on).
/// </summary>
public sealed class ConnectionIdentityTests
{
    private const string Secret = "identity secret";
    private const int Elements = 64 * 1024;
    private const long StateBytes = Elements * sizeof(float);

    /// <summary>A fresh master's first operation: the tests' shared-state round.</summary>
    private const ulong FirstSequence = 1;

    [Fact]
    public async Task AStranger_CannotPullSharedState_WithAuthOff()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(null, null, ct);
        var peers = await SecureRun.ConnectWorldAsync(SecureRun.Peer(master, null, null), 2, ct);
        var (donor, receiver) = (peers[0], peers[1]);
        using var hold = new DonorHold(donor);
        try
        {
            var sync = SecureRun.SyncSharedStateOnceAsync(peers, ct); // peers[1] pulls all of peers[0]'s state
            Assert.True(await hold.FirstBlockAsync(ct), "the donor never sent a block");

            var hello = StateHello(receiver.PeerId, donor.PeerId);
            await using (var stranger = await RawP2PClient.OpenAsync(donor.P2PPort, hello, identity: null, ct))
            {
                var pulled = stranger.Reply.Accepted ? await stranger.PullAsync(0, StateBytes, ct) : 0;
                Assert.Equal(0, pulled);
                Assert.Equal(RefusalReason.BadIdentity, stranger.Reply.Reason);
                Assert.Contains($"the identity proof for peer {receiver.PeerId} does not match", stranger.Reply.Message, StringComparison.Ordinal);
            }

            hold.Release();
            await sync;
        }
        finally
        {
            hold.Release();
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task AMember_CannotPullStateOutsideItsPlan_WithAuthOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(null, SecureRun.Auth(Secret), ct);
        var peers = await SecureRun.ConnectWorldAsync(SecureRun.Peer(master, null, SecureRun.Auth(Secret)), 3, ct);
        using var secret = new ClusterSecurity(TlsOptions.Disabled, SecureRun.Auth(Secret));
        using var hold0 = new DonorHold(peers[0]);
        using var hold1 = new DonorHold(peers[1]);
        try
        {
            // Keys in ordinal order: "v" (#0) equal everywhere, "w" (#1) differs on peers[2], which pulls "w" and nothing else.
            var w = peers.Select((_, i) => Enumerable.Repeat(i == 2 ? 2f : 1f, Elements).ToArray()).ToArray();
            var states = w.Select(values => new Pccl.SharedState(
                [SharedStateEntry.Create<float>("v", new float[Elements]), SharedStateEntry.Create<float>("w", values)], revision: 1)).ToArray();
            var sync = Task.WhenAll(peers.Select((p, i) => p.SyncSharedStateAsync(states[i], ct: ct)));
            var held = await Task.WhenAny(hold0.FirstBlockAsync(ct), hold1.FirstBlockAsync(ct)); // the round stays open while a donor holds a block
            Assert.True(await held, "no donor ever sent a block");

            // peers[1] (a donor, not a receiver) claims the receiver's id with its own identity.
            await using (var impostor = await RawP2PClient.OpenAsync(peers[0].P2PPort, StateHello(peers[2].PeerId, peers[0].PeerId, auth: true), peers[1].Diagnostics.Identity, ct, secret))
            {
                var pulled = impostor.Reply.Accepted ? await impostor.PullAsync(1, StateBytes, ct) : 0;
                Assert.Equal(0, pulled);
                Assert.Equal(RefusalReason.BadIdentity, impostor.Reply.Reason);
            }

            // peers[1] as itself: the plan has it pull nothing.
            await using (var outsider = await RawP2PClient.OpenAsync(peers[0].P2PPort, StateHello(peers[1].PeerId, peers[0].PeerId, auth: true), peers[1].Diagnostics.Identity, ct, secret))
            {
                Assert.True(outsider.Reply.Accepted, outsider.Reply.Message);
                Assert.Equal(0, await outsider.PullAsync(1, StateBytes, ct));
            }

            // The receiver itself, asking for the key it does not need.
            await using (var greedy = await RawP2PClient.OpenAsync(peers[0].P2PPort, StateHello(peers[2].PeerId, peers[0].PeerId, auth: true), peers[2].Diagnostics.Identity, ct, secret))
            {
                Assert.True(greedy.Reply.Accepted, greedy.Reply.Message);
                Assert.Equal(0, await greedy.PullAsync(0, StateBytes, ct));
            }

            hold0.Release();
            hold1.Release();
            var infos = await sync.WaitAsync(SecureRun.Patience, ct);
            Assert.Equal((ulong)StateBytes, infos[2].RxBytes);
            Assert.Equal((ulong)StateBytes, infos[0].TxBytes + infos[1].TxBytes); // the real receiver's "w", nothing more
            Assert.All(w[2], x => Assert.Equal(1f, x));
        }
        finally
        {
            hold0.Release();
            hold1.Release();
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public Task ARingLaneTakeover_AnnouncingSequence2Pow64Minus1_IsRefused_AndTrainingGoesOn() => DuringTrainingAsync(async (peers, ct) =>
    {
        var takeover = RingHello(peers[1].PeerId, peers[0].PeerId, lane: 0, ulong.MaxValue); // peers[1] is peers[0]'s predecessor

        await using (var stranger = await RawP2PClient.OpenAsync(peers[0].P2PPort, takeover, identity: null, ct))
        {
            Assert.False(stranger.Reply.Accepted, "a stranger's ring connection in a member's name was accepted");
            Assert.Equal(RefusalReason.BadIdentity, stranger.Reply.Reason);
        }

        await using (var member = await RawP2PClient.OpenAsync(peers[0].P2PPort, takeover, peers[1].Diagnostics.Identity, ct))
        {
            Assert.False(member.Reply.Accepted, "a ring connection far ahead of every started operation was accepted");
            Assert.Equal(RefusalReason.OutOfSequence, member.Reply.Reason);
            Assert.Contains($"ring connection for operation {ulong.MaxValue}", member.Reply.Message, StringComparison.Ordinal);
        }
    });

    [Fact]
    public Task ManyFakeRingConnections_AreRefusedAndClosed_NotHeld() => DuringTrainingAsync(async (peers, ct) =>
    {
        const int Fakes = 200;
        using var parallel = new SemaphoreSlim(16);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Fakes).Select(async i =>
        {
            await parallel.WaitAsync(ct);
            try
            {
                // Mostly in the predecessor's name, some in ids nobody has; every one on its own lane.
                var claimed = i % 10 == 0 ? 5000 + (ulong)i : peers[1].PeerId;
                await using var fake = await RawP2PClient.OpenAsync(peers[0].P2PPort, RingHello(claimed, peers[0].PeerId, (uint)i, (ulong)i), null, ct);
                return (fake.Reply.Accepted, fake.Reply.Reason, Closed: await fake.ClosedByListenerAsync(TimeSpan.FromSeconds(5), ct));
            }
            finally
            {
                parallel.Release();
            }
        }));

        Assert.All(outcomes, o => Assert.False(o.Accepted, "a fake ring connection was accepted"));
        Assert.All(outcomes, o => Assert.True(o.Closed, "a refused ring connection was held open"));
        Assert.Equal(Fakes / 10, outcomes.Count(o => o.Reason == RefusalReason.UnknownPeer));
        Assert.Equal(Fakes - (Fakes / 10), outcomes.Count(o => o.Reason == RefusalReason.BadIdentity));
    });

    [Fact]
    public async Task AWrongCredential_IsRefused_AndABurstIsLoggedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Burst = 20;
        var logs = new CapturedLog();
        await using var master = await SecureRun.StartMasterAsync(null, null, ct);
        var options = SecureRun.Peer(master, null, null);
        var peers = new List<Communicator> { await Communicator.ConnectAsync(options, logs, ct) };
        try
        {
            peers.Add(await SecureRun.JoinAsync(peers, options, ct));
            using var wrong = new PeerIdentity(); // a key the master never saw
            for (var i = 0; i < Burst; i++)
            {
                await using var forged = await RawP2PClient.OpenAsync(peers[0].P2PPort, RingHello(peers[1].PeerId, peers[0].PeerId, 0, 0), wrong, ct);
                Assert.False(forged.Reply.Accepted);
                Assert.Equal(RefusalReason.BadIdentity, forged.Reply.Reason);
            }

            var refusals = logs.Warnings.Where(w => w.Contains("refused a connection from", StringComparison.Ordinal)).ToList();
            var line = Assert.Single(refusals);
            Assert.Contains($"the identity proof for peer {peers[1].PeerId} does not match the key that peer registered", line, StringComparison.Ordinal);
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    [Fact]
    public async Task ARefusalQuotingWhatTheClientSent_IsLoggedEscapedAndTruncated()
    {
        var ct = TestContext.Current.CancellationToken;
        var logs = new CapturedLog();
        await using var master = await SecureRun.StartMasterAsync(null, null, ct);
        await using var peer = await Communicator.ConnectAsync(SecureRun.Peer(master, null, null), logs, ct);
        var hello = StateHello(peer.PeerId + 1, peer.PeerId);
        hello.ClusterId = "pccl\n2026-12-06 [WRN] forged log line\u001b[31m" + new string('x', 5000);

        await using var client = await RawP2PClient.OpenAsync(peer.P2PPort, hello, null, ct);

        Assert.Equal(RefusalReason.WrongCluster, client.Reply.Reason);
        var line = Assert.Single(logs.Warnings, w => w.Contains("refused a connection from", StringComparison.Ordinal));
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\u001b', line);
        Assert.Contains("pccl\\u000A2026-12-06 [WRN] forged log line\\u001B[31m", line, StringComparison.Ordinal);
        Assert.True(line.Length < 500, $"a {line.Length}-character log line");
    }

    /// <summary>Two peers (auth off) all-reducing back to back: the attack runs once they have, and they must go on after it.</summary>
    private static async Task DuringTrainingAsync(Func<List<Communicator>, CancellationToken, Task> attack)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(null, null, ct);
        var peers = await SecureRun.ConnectWorldAsync(SecureRun.Peer(master, null, null), 2, ct);
        var run = new AllReduceLoop(peers);
        try
        {
            await run.WaitForMoreAsync(1, ct);
            await attack(peers, ct);
            await run.WaitForMoreAsync(3, ct).WaitAsync(SecureRun.Patience, ct);
        }
        finally
        {
            await run.StopAsync();
            await SecureRun.DisposeAllAsync(peers);
        }
    }

    private static Hello StateHello(ulong claimed, ulong target, bool auth = false) =>
        new() { Kind = ConnectionKind.State, ClusterId = "pccl", PeerId = claimed, TargetPeerId = target, Sequence = FirstSequence, AuthEnabled = auth };

    private static Hello RingHello(ulong claimed, ulong target, uint lane, ulong sequence) =>
        new() { Kind = ConnectionKind.Ring, ClusterId = "pccl", PeerId = claimed, TargetPeerId = target, Lane = lane, Sequence = sequence };

    /// <summary>Holds a donor's first shared-state block until released, so the round stays open; later blocks pass.</summary>
    private sealed class DonorHold : IDisposable
    {
        private readonly SemaphoreSlim _firstBlock = new(0);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _blocks;

        public DonorHold(Communicator donor) => donor.FaultInjector = new FaultHooks
        {
            OnStateBlockSending = async token =>
            {
                if (Interlocked.Increment(ref _blocks) == 1)
                {
                    _firstBlock.Release();
                    await _release.Task.WaitAsync(token);
                }
            },
        };

        /// <summary>True once the donor is holding its first block; false when it sent none within <see cref="SecureRun.Patience"/>.</summary>
        public Task<bool> FirstBlockAsync(CancellationToken ct) => _firstBlock.WaitAsync(SecureRun.Patience, ct);

        public void Release() => _release.TrySetResult();

        public void Dispose() => _firstBlock.Dispose();
    }
}
