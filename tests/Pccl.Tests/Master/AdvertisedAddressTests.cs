using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>
/// <c>Register.advertise_address</c>: behind NAT every peer reaches the master from the translator's address, so the
/// master lists what the peer advertised instead, and still tells the peer what it observed.
/// </summary>
public class AdvertisedAddressTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void TheWorldListsTheAdvertisedAddressAndMarksIt()
    {
        var a = Register("a", observed: "10.77.0.254", advertised: "10.77.1.1", port: 7118);

        Assert.Equal("10.77.0.254", a.One(Kind.Registered).Registered.ObservedAddress);
        var world = a.One(Kind.TopologyUpdate).TopologyUpdate.World;
        var entry = Assert.Single(world.Peers);
        Assert.Equal(("10.77.1.1", 7118U, true), (entry.Address, entry.P2PPort, entry.AddressAdvertised));

        var b = Register("b", observed: "10.77.0.254", advertised: "", port: 7119);
        Assert.Equal("10.77.0.254", _s.PeerOf(b).Address);
        Assert.False(_s.PeerOf(b).AddressAdvertised);
    }

    [Fact]
    public void AHostNameMayBeAdvertised()
    {
        var a = Register("a", observed: "10.77.0.254", advertised: "worker-0.pccl-workers.default.svc", port: 7118);

        Assert.Equal("worker-0.pccl-workers.default.svc", _s.PeerOf(a).Address);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("evil\nhost")]
    public void AnAdvertisedAddressThatIsNoHostIsRefusedNamingTheSetting(string advertised)
    {
        var a = Register("a", observed: "10.0.0.9", advertised: advertised, port: 7118);

        var message = a.WasKicked(Pccl.Protocol.Messages.KickReason.ProtocolViolation);
        Assert.Contains("network.advertise_address", message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", message, StringComparison.Ordinal);
        Assert.Empty(_s.State.Peers);
    }

    [Fact]
    public void AnOverlongAdvertisedAddressIsRefused()
    {
        var a = Register("a", observed: "10.0.0.9", advertised: new string('a', 254), port: 7118);

        a.WasKicked(Pccl.Protocol.Messages.KickReason.ProtocolViolation);
    }

    private SimPeer Register(string name, string observed, string advertised, uint port)
    {
        var peer = _s.Open(name, observed);
        var message = Msg.Register(port);
        message.Register.AdvertiseAddress = advertised;
        _s.Send(peer, message);
        return peer;
    }
}
