using Google.Protobuf;
using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Heartbeats;

public class MasterCoreHeartbeatTests
{
    private static readonly HeartbeatCredentials Credentials = new(0xABCDEF, ByteString.CopyFrom(Enumerable.Range(1, HeartbeatCredentials.KeySize).Select(i => (byte)i).ToArray()));

    [Fact]
    public void RegistrationHandsOutTheShellsTokenAndKeyAndTracksThePeerBeforeAnswering()
    {
        var core = new MasterCore();
        core.Handle(new ConnectionOpened(4, "127.0.0.1", IsLoopback: true, Credentials));
        var commands = core.Handle(new MessageReceived(4, new ControlMessage { Register = new Register { P2PPort = 7118 } }));

        var track = commands.OfType<TrackHeartbeat>().Single();
        Assert.Equal(new TrackHeartbeat(4, 1, Credentials), track);
        var registered = commands.OfType<SendMessage>().Select(s => s.Message).Single(m => m.BodyCase == ControlMessage.BodyOneofCase.Registered);
        Assert.Equal(0xABCDEFUL, registered.Registered.HeartbeatToken);
        Assert.Equal(Credentials.Key, registered.Registered.HeartbeatKey);
        Assert.True(commands.ToList().IndexOf(track) < commands.ToList().FindIndex(c => c is SendMessage { Message.Registered: not null }));
    }

    [Fact]
    public void RemovingAPeerStopsWatchingIt()
    {
        var core = new MasterCore();
        core.Handle(new ConnectionOpened(4, "127.0.0.1", IsLoopback: true, Credentials));
        core.Handle(new MessageReceived(4, new ControlMessage { Register = new Register { P2PPort = 7118 } }));
        var commands = core.Handle(new ConnectionClosed(4, "heartbeat timeout: no heartbeat for 600 ms"));
        Assert.Contains(new ForgetHeartbeat(1), commands);
        Assert.Empty(core.State.HeartbeatCredentials);
        Assert.Empty(core.Handle(new ConnectionClosed(4, "connection closed by peer")).OfType<ForgetHeartbeat>());
    }

    [Fact]
    public void AConnectionThatNeverRegistersIsNeverTracked()
    {
        var core = new MasterCore();
        Assert.Empty(core.Handle(new ConnectionOpened(4, "127.0.0.1", IsLoopback: true, Credentials)));
        Assert.Empty(core.Handle(new ConnectionClosed(4, "gone")));
    }
}
