using System.Net;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

public sealed class AccessPolicyTests
{
    private static readonly AccessPolicy Policy = AccessPolicy.Parse(["10.0.0.0/8", "192.168.1.0/24", "fd00::/8", "203.0.113.7"], maxPeers: 4, "test.allowed");

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("192.168.1.200")]
    [InlineData("fd12:3456::1")]
    [InlineData("203.0.113.7")]
    [InlineData("::ffff:10.9.9.9")]
    public void AddressInsideAllowedNetworks_IsAllowed(string address)
    {
        var (allowed, reason) = Policy.Check(IPAddress.Parse(address), currentPeers: 0);

        Assert.True(allowed);
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("11.0.0.1")]
    [InlineData("192.168.2.1")]
    [InlineData("203.0.113.8")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:172.16.0.1")]
    public void AddressOutsideAllowedNetworks_IsRefusedWithReason(string address)
    {
        var (allowed, reason) = Policy.Check(IPAddress.Parse(address), currentPeers: 0);

        Assert.False(allowed);
        Assert.StartsWith("not allowed", reason, StringComparison.Ordinal);
        Assert.Contains(IPAddress.Parse(address) is { IsIPv4MappedToIPv6: true } a ? a.MapToIPv4().ToString() : address, reason!, StringComparison.Ordinal);
    }

    [Fact]
    public void FullCluster_IsRefused_AndOneBelowTheLimitIsAllowed()
    {
        var inside = IPAddress.Parse("10.0.0.1");

        Assert.True(Policy.Check(inside, currentPeers: 3).Allowed);
        var (allowed, reason) = Policy.Check(inside, currentPeers: 4);

        Assert.False(allowed);
        Assert.Equal("cluster full: 4 of 4 peers are connected", reason);
    }

    [Fact]
    public void EmptyListAndNoLimit_AllowsEveryone()
    {
        var policy = AccessPolicy.Parse([], maxPeers: 0, "test.allowed");

        Assert.True(policy.Check(IPAddress.Parse("8.8.8.8"), currentPeers: 100_000).Allowed);
        Assert.True(AccessPolicy.AllowAll.Check(IPAddress.IPv6Loopback, currentPeers: 5).Allowed);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("not-a-network")]
    [InlineData("")]
    public void InvalidNetwork_IsAConfigurationError_NamingTheKeyAndEntry(string entry)
    {
        var error = Assert.Throws<PcclException>(() => AccessPolicy.Parse([entry], maxPeers: 0, "test.allowed"));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains("test.allowed", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{entry}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativePeerLimit_IsAConfigurationError()
    {
        var error = Assert.Throws<PcclException>(() => AccessPolicy.Parse([], maxPeers: -1, "test.allowed"));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
    }
}
