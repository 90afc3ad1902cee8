using Pccl.Protocol.Messages;

namespace Pccl.Tests.Master;

/// <summary>What a peer's calls fail with after a kick: a full cluster is worth retrying, every other kick is not.</summary>
public class ClientKickErrorTests
{
    [Fact]
    public void AClusterFullKickAtRegistration_IsTheTransientClusterFullError_LikeTheHandshakesRefusal()
    {
        var error = KickErrors.From(new Kick { Reason = KickReason.ClusterFull, Message = "cluster full: 2 of 2 peers are connected (auth.max_peers)" });

        Assert.Equal(PcclErrorCode.ClusterFull, error.Code);
        Assert.True(error.IsTransient);
        Assert.Contains("cluster full: 2 of 2 peers are connected (auth.max_peers)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((int)KickReason.DeadlineMissed)]
    [InlineData((int)KickReason.IllegalState)]
    [InlineData((int)KickReason.LimitExceeded)]
    public void AnyOtherKick_IsTheFinalKickedError(int code)
    {
        var reason = (KickReason)code;
        var error = KickErrors.From(new Kick { Reason = reason, Message = "why" });

        Assert.Equal(PcclErrorCode.Kicked, error.Code);
        Assert.False(error.IsTransient);
        Assert.Contains($"({reason}): why", error.Message, StringComparison.Ordinal);
    }
}
