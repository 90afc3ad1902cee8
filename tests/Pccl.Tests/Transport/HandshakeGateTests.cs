using System.Net;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

public class HandshakeGateTests
{
    private static readonly IPAddress Hostile = IPAddress.Parse("10.0.0.66");
    private static readonly IPAddress Worker = IPAddress.Parse("10.0.0.7");

    [Fact]
    public void OneSourcePastItsLimit_IsDropped_WhileAnotherSourceStillGetsASlot()
    {
        var gate = new HandshakeGate(limit: 8, perSourceLimit: 3);
        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(gate.TryEnter(Hostile)));

        Assert.False(gate.TryEnter(Hostile));
        Assert.True(gate.TryEnter(Worker));
        Assert.Equal(1, gate.Dropped);
    }

    [Fact]
    public void ASlotGivenBack_CanBeTakenAgainBySameSource()
    {
        var gate = new HandshakeGate(limit: 8, perSourceLimit: 1);
        Assert.True(gate.TryEnter(Hostile));
        Assert.False(gate.TryEnter(Hostile));

        gate.Exit(Hostile);

        Assert.True(gate.TryEnter(Hostile));
    }

    [Fact]
    public void TheGlobalLimitHoldsAcrossSources()
    {
        var gate = new HandshakeGate(limit: 2, perSourceLimit: 2);
        Assert.True(gate.TryEnter(Hostile));
        Assert.True(gate.TryEnter(Worker));

        Assert.False(gate.TryEnter(IPAddress.Parse("10.0.0.8")));
    }

    [Fact]
    public void AnIPv6Slash64IsOneSource_AndAnIPv4MappedAddressIsItsIPv4Address()
    {
        var gate = new HandshakeGate(limit: 8, perSourceLimit: 1);
        Assert.True(gate.TryEnter(IPAddress.Parse("fd00:1:2:3::1")));
        Assert.False(gate.TryEnter(IPAddress.Parse("fd00:1:2:3:ffff::9")));
        Assert.True(gate.TryEnter(IPAddress.Parse("fd00:1:2:4::1")));

        Assert.True(gate.TryEnter(Worker));
        Assert.False(gate.TryEnter(Worker.MapToIPv6()));
    }
}
