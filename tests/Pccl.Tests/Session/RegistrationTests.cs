using System.Net;
using System.Net.Sockets;
using Pccl.Tests.Support;

namespace Pccl.Tests.Session;

/// <summary>What a caller that gives up on connecting hears it was waiting for, at each stage of its registration.</summary>
public class RegistrationTests
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task GivingUpBeforeAnyMasterAnswersNamesTheMastersItAsked()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0); // the backlog takes the connection; nothing answers its hello
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        giveUp.CancelAfter(GiveUpAfter);

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Communicator.ConnectAsync(Options(port), ct: giveUp.Token));

        Assert.Equal($"stopped while waiting for a leader among 127.0.0.1:{port} to answer and register this peer", e.Message);
    }

    [Fact]
    public async Task GivingUpWhileTheAcceptedPeersHaveNotVotedNamesTheMasterAndItsEpoch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        await using var first = await Communicator.ConnectAsync(Options(master.Port), ct: ct); // accepted at once, and never votes
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var joining = Communicator.ConnectAsync(Options(master.Port), ct: giveUp.Token);
        while (!joining.IsCompleted && !await first.ArePeersPendingAsync(ct))
        {
            await Task.Delay(10, ct); // until the master registered the newcomer and waits for the vote
        }

        await giveUp.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);

        // the master as this peer reached it (a dual-stack socket names 127.0.0.1 as [::ffff:127.0.0.1])
        Assert.Matches($@"^stopped while waiting for master \S*127\.0\.0\.1\]?:{master.Port} \(epoch 1\) to accept this peer: its accepted peers vote newcomers in$", e.Message);
    }

    private static CommunicatorOptions Options(int masterPort) => CommunicatorOptions.Default with
    {
        MasterHost = "127.0.0.1",
        MasterPort = masterPort,
        P2PBindAddress = "127.0.0.1",
        P2PPorts = P2PRanges.Next(),
    };
}
