using System.Net;
using Pccl.Protocol.Messages;
using Pccl.Tests.Security.Support;
using Pccl.Transport;

namespace Pccl.Tests.Security.Wire;

/// <summary>auth.allowed_networks and auth.max_peers on live listeners.</summary>
public sealed class AccessControlTests
{
    [Fact]
    public async Task AnAddressOutsideTheAllowedNetworks_IsRefusedByTheMaster_WithItsReason()
    {
        var ct = TestContext.Current.CancellationToken;
        var policy = new AuthOptions { AllowedNetworks = [IPNetwork.Parse("10.0.0.0/8")] };
        await using var master = await SecureRun.StartMasterAsync(null, policy, ct);

        var error = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(SecureRun.Peer(master, null, null), ct: ct));

        Assert.Equal(PcclErrorCode.ConnectionRefused, error.Code);
        Assert.Contains("(not allowed): not allowed: address 127.0.0.1 is outside the allowed networks", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task APeersP2PPort_RefusesAddressesOutsideItsAllowedNetworks()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await SecureRun.StartMasterAsync(null, null, ct);
        var options = SecureRun.Peer(master, null, new AuthOptions { AllowedNetworks = [IPNetwork.Parse("192.168.0.0/16")] });
        await using var peer = await Communicator.ConnectAsync(options, ct: ct);
        var hello = new Hello { Kind = ConnectionKind.Ring, ClusterId = "pccl", PeerId = 42 };

        var error = await Assert.ThrowsAsync<PcclException>(() =>
            Handshake.ConnectAsync("127.0.0.1", peer.P2PPort, hello, ConnectionSecurity.None, TimeSpan.FromSeconds(10), ct));

        Assert.Contains("(not allowed)", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the allowed networks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMaxPeersLimit_RefusesOneTooMany_AndFreesTheSlotWhenAPeerLeaves()
    {
        var ct = TestContext.Current.CancellationToken;
        var limit = new AuthOptions { MaxPeers = 2, AllowedNetworks = [IPNetwork.Parse("127.0.0.0/8")] };
        await using var master = await SecureRun.StartMasterAsync(null, limit, ct);
        var options = SecureRun.Peer(master, null, null);
        var peers = await SecureRun.ConnectWorldAsync(options, 2, ct);
        try
        {
            var error = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(options, ct: ct));
            Assert.Equal(PcclErrorCode.ClusterFull, error.Code);
            Assert.Contains("(cluster full): cluster full: 2 of 2 peers are connected", error.Message, StringComparison.Ordinal);
            Assert.True(error.IsTransient);
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);

            await peers[1].DisposeAsync();
            peers.RemoveAt(1);
            var deadline = DateTime.UtcNow + SecureRun.Patience;
            while (peers[0].GlobalWorldSize != 1)
            {
                Assert.True(DateTime.UtcNow < deadline, "the leaving peer was never removed");
                await Task.Delay(10, ct);
            }

            peers.Add(await SecureRun.JoinAsync(peers, options, ct));
            await SecureRun.AllReduceOnceAsync(peers, 1000, ct);
        }
        finally
        {
            await SecureRun.DisposeAllAsync(peers);
        }
    }
}
