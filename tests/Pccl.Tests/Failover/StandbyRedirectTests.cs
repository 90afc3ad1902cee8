using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Operations.Session;
using Pccl.Transport;

namespace Pccl.Tests.Failover;

/// <summary>
/// A peer reaching a standby master (a scripted listener answering with the standby refusal) goes on to the leader
/// within the same attempt: <see cref="Communicator.ConnectAsync"/> makes one round over its masters and never waits
/// between them, so a success here means the refusal sent it on at once.
/// </summary>
public class StandbyRedirectTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Moving on after a standby's refusal is two loopback handshakes; a second round would first wait the follower's
    // retry delay (50 ms, doubling) and then redo them. Timed on the dialer alone, so the peer's registration and
    // admission (and a loaded test machine's scheduling of them) stay out of the figure.
    private static readonly TimeSpan AtOnce = TimeSpan.FromMilliseconds(500);

    private static CommunicatorOptions Options(params MasterEndpoint[] masters) => CommunicatorOptions.Default with
    {
        MasterEndpoints = masters,
        P2PBindAddress = "127.0.0.1",
        P2PPorts = new PortRange(27400, 27460),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static Task<MasterNode> StartMasterAsync(CancellationToken ct) =>
        MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);

    [Fact]
    public async Task AStandbyNamingTheLeaderSendsThePeerThereAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);
        await using var standby = ScriptedMaster.Start();
        var refusing = standby.RefuseAsStandbyAsync($"127.0.0.1:{master.Port}", ct);

        await using var peer = await Communicator.ConnectAsync(Options(standby.Endpoint), ct: ct).WaitAsync(Patience, ct);
        await refusing;

        Assert.Equal(1, standby.Hellos);
        Assert.Equal(1, peer.GlobalWorldSize);
    }

    [Fact]
    public async Task AStandbyThatKnowsNoLeaderSendsThePeerToTheNextMaster()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);
        await using var standby = ScriptedMaster.Start();
        var refusing = standby.RefuseAsStandbyAsync("", ct);

        await using var peer = await Communicator.ConnectAsync(Options(standby.Endpoint, new MasterEndpoint("127.0.0.1", master.Port)), ct: ct)
            .WaitAsync(Patience, ct);
        await refusing;

        Assert.Equal(1, standby.Hellos);
        Assert.Equal(1, peer.GlobalWorldSize);
    }

    [Fact]
    public async Task TheDialerGoesFromTheStandbyToTheLeaderAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);
        await using var standby = ScriptedMaster.Start();
        var options = Options(standby.Endpoint);
        using var security = SecurityFactory.Create(options.Tls, options.Auth);
        await using (await new MasterDialer(Options(new MasterEndpoint("127.0.0.1", master.Port)), security, new EpochFence(), NullLogger.Instance).ConnectAsync(ct))
        {
            // warm: the first dial of a process pays for JIT compilation
        }

        var dialer = new MasterDialer(options, security, new EpochFence(), NullLogger.Instance);

        var refusing = standby.RefuseAsStandbyAsync($"127.0.0.1:{master.Port}", ct);
        var clock = Stopwatch.StartNew();
        await using var connection = await dialer.ConnectAsync(ct).WaitAsync(Patience, ct);
        clock.Stop();
        await refusing;

        Assert.Equal(master.Port, connection.Remote?.Port);
        Assert.True(clock.Elapsed < AtOnce, $"the dialer reached the leader only {clock.Elapsed.TotalMilliseconds:0} ms after it started");
    }

    [Fact]
    public async Task AStandbyAloneIsATransientRefusalNamingTheStandby()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var standby = ScriptedMaster.Start();
        var refusing = standby.RefuseAsStandbyAsync("", ct);

        var refused = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(Options(standby.Endpoint), ct: ct).WaitAsync(Patience, ct));
        await refusing;

        Assert.True(refused.IsTransient);
        Assert.Contains("is a standby master and serves no peer (no leader holds the lease now)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANameWithSeveralAddressesIsTriedAddressByAddress()
    {
        // localhost is 127.0.0.1 and ::1 here; the master listens on 127.0.0.1 only, so whichever comes first, the peer gets in.
        var ct = TestContext.Current.CancellationToken;
        await using var master = await StartMasterAsync(ct);

        await using var peer = await Communicator.ConnectAsync(Options(new MasterEndpoint("localhost", master.Port)), ct: ct).WaitAsync(Patience, ct);

        Assert.Equal(1, peer.GlobalWorldSize);
    }
}
