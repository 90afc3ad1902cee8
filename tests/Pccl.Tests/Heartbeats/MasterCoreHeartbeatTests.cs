using Pccl.Master.Core;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Heartbeats;

public class MasterCoreHeartbeatTests
{
    [Fact]
    public void RegistrationHandsOutTheShellsTokenAndTracksThePeerBeforeAnswering()
    {
        var core = new MasterCore();
        core.Handle(new ConnectionOpened(4, "127.0.0.1", HeartbeatToken: 0xABCDEF));
        var commands = core.Handle(new MessageReceived(4, new ControlMessage { Register = new Register { P2PPort = 7118 } }));

        var track = commands.OfType<TrackHeartbeat>().Single();
        Assert.Equal(new TrackHeartbeat(4, 1, 0xABCDEFUL), track);
        var registered = commands.OfType<SendMessage>().Select(s => s.Message).Single(m => m.BodyCase == ControlMessage.BodyOneofCase.Registered);
        Assert.Equal(0xABCDEFUL, registered.Registered.HeartbeatToken);
        Assert.True(commands.ToList().IndexOf(track) < commands.ToList().FindIndex(c => c is SendMessage { Message.Registered: not null }));
    }

    [Fact]
    public void RemovingAPeerStopsWatchingIt()
    {
        var core = new MasterCore();
        core.Handle(new ConnectionOpened(4, "127.0.0.1", 5));
        core.Handle(new MessageReceived(4, new ControlMessage { Register = new Register { P2PPort = 7118 } }));
        var commands = core.Handle(new ConnectionClosed(4, "heartbeat timeout: no heartbeat for 600 ms"));
        Assert.Contains(new ForgetHeartbeat(1), commands);
        Assert.Empty(core.State.HeartbeatTokens);
        Assert.Empty(core.Handle(new ConnectionClosed(4, "connection closed by peer")).OfType<ForgetHeartbeat>());
    }

    [Fact]
    public void AConnectionThatNeverRegistersIsNeverTracked()
    {
        var core = new MasterCore();
        Assert.Empty(core.Handle(new ConnectionOpened(4, "127.0.0.1", 5)));
        Assert.Empty(core.Handle(new ConnectionClosed(4, "gone")));
    }
}
