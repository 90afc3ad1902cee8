using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Failover;

/// <summary>
/// A scripted master that registers the peer at epoch 5 and then sends messages of an older epoch, as a deposed leader
/// would: the peer drops and counts them and acts only on the messages of the newest epoch.
/// </summary>
public class StaleEpochTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CommunicatorOptions Options(MasterEndpoint master) => CommunicatorOptions.Default with
    {
        MasterEndpoints = [master],
        P2PBindAddress = "127.0.0.1",
        P2PPorts = new PortRange(27470, 27490),
        HeartbeatTimeout = TimeSpan.FromMinutes(5), // nobody answers the heartbeats of a scripted master
    };

    private static async Task<Stream> RegisterAsync(ScriptedMaster master, ulong epoch, CancellationToken ct)
    {
        var stream = await master.AnswerHelloAsync(new HelloReply { Accepted = true, Epoch = epoch }, ct);
        Assert.Equal(ControlMessage.BodyOneofCase.Register, (await ScriptedMaster.ReadAsync(stream, ct)).BodyCase);
        var registered = new Registered { PeerId = 7, HeartbeatToken = 1, HeartbeatKey = ByteString.CopyFrom(new byte[HeartbeatCredentials.KeySize]) };
        await ScriptedMaster.SendAsync(stream, new ControlMessage { Epoch = epoch, Registered = registered }, ct);
        await ScriptedMaster.SendAsync(stream, new ControlMessage { Epoch = epoch, TopologyComplete = new TopologyComplete { World = new World { Revision = 1 } } }, ct);
        return stream;
    }

    [Fact]
    public async Task MessagesOfAnOlderEpochAreDroppedCountedAndNeverActedUpon()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = ScriptedMaster.Start();
        var registering = RegisterAsync(master, epoch: 5, ct);
        await using var peer = await Communicator.ConnectAsync(Options(master.Endpoint), ct: ct).WaitAsync(Patience, ct);
        var stream = await registering;
        Assert.Equal(5UL, peer.MasterEpoch);

        var asking = peer.ArePeersPendingAsync(ct);
        Assert.Equal(ControlMessage.BodyOneofCase.PendingPeersVote, (await ScriptedMaster.ReadAsync(stream, ct)).BodyCase);
        await ScriptedMaster.SendAsync(stream, new ControlMessage { Epoch = 4, Kick = new Kick { Reason = KickReason.IllegalState, Message = "from a deposed leader" } }, ct);
        await ScriptedMaster.SendAsync(stream, new ControlMessage { Epoch = 4, PendingPeersResult = new PendingPeersResult { Pending = true } }, ct);
        await ScriptedMaster.SendAsync(stream, new ControlMessage { Epoch = 5, PendingPeersResult = new PendingPeersResult { Pending = false } }, ct);

        Assert.False(await asking.WaitAsync(Patience, ct));
        Assert.Equal(2, peer.Diagnostics.StaleEpochMessages);

        // Still served, and a newer epoch raises the fence.
        asking = peer.ArePeersPendingAsync(ct);
        await ScriptedMaster.ReadAsync(stream, ct);
        await ScriptedMaster.SendAsync(stream, new ControlMessage { Epoch = 6, PendingPeersResult = new PendingPeersResult { Pending = true } }, ct);
        Assert.True(await asking.WaitAsync(Patience, ct));
        Assert.Equal(6UL, peer.MasterEpoch);
    }

    [Fact]
    public async Task AMessageOfTheCurrentEpochIsActedUpon()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = ScriptedMaster.Start();
        var registering = RegisterAsync(master, epoch: 5, ct);
        await using var peer = await Communicator.ConnectAsync(Options(master.Endpoint), ct: ct).WaitAsync(Patience, ct);
        var stream = await registering;

        var asking = peer.ArePeersPendingAsync(ct);
        await ScriptedMaster.ReadAsync(stream, ct);
        await ScriptedMaster.SendAsync(stream, new ControlMessage { Epoch = 5, Kick = new Kick { Reason = KickReason.IllegalState, Message = "illegal state" } }, ct);

        var kicked = await Assert.ThrowsAsync<PcclException>(() => asking.WaitAsync(Patience, ct));
        Assert.Equal(PcclErrorCode.Kicked, kicked.Code);
        Assert.Equal(0, peer.Diagnostics.StaleEpochMessages);
    }

    [Fact]
    public async Task AMasterWhoseHelloNamesAnOlderEpochIsNotUsedAndTheNextOneIs()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var deposed = ScriptedMaster.Start();
        await using var leader = ScriptedMaster.Start();
        var options = Options(deposed.Endpoint) with { MasterEndpoints = [deposed.Endpoint, leader.Endpoint] };
        using var security = SecurityFactory.Create(options.Tls, options.Auth);
        var fence = new EpochFence();
        fence.Admit(5);
        var answers = Task.WhenAll(
            deposed.AnswerHelloAsync(new HelloReply { Accepted = true, Epoch = 4 }, ct),
            leader.AnswerHelloAsync(new HelloReply { Accepted = true, Epoch = 6 }, ct));

        await using var connection = await new MasterDialer(options, security, fence, NullLogger.Instance).ConnectAsync(ct).WaitAsync(Patience, ct);
        await answers.WaitAsync(Patience, ct);

        Assert.Equal(leader.Port, connection.Remote?.Port);
        Assert.Equal(6UL, fence.Newest);
    }

    [Fact]
    public async Task AnOnlyMasterOfAnOlderEpochIsATransientRefusalNamingTheEpochs()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var deposed = ScriptedMaster.Start();
        var options = Options(deposed.Endpoint);
        using var security = SecurityFactory.Create(options.Tls, options.Auth);
        var fence = new EpochFence();
        fence.Admit(5);
        var answer = deposed.AnswerHelloAsync(new HelloReply { Accepted = true, Epoch = 4 }, ct);

        var refused = await Assert.ThrowsAsync<PcclException>(() => new MasterDialer(options, security, fence, NullLogger.Instance).ConnectAsync(ct).WaitAsync(Patience, ct));
        await answer;

        Assert.True(refused.IsTransient);
        Assert.Contains("serves epoch 4, older than epoch 5 this peer already served under: it is a deposed leader", refused.Message, StringComparison.Ordinal);
    }
}
