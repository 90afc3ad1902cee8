using System.Security.Cryptography;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

public sealed class ClusterSecretKeysTests
{
    [Fact]
    public void KeysAreHkdfSha256OfTheSecretWithThePurposeAsInfo()
    {
        var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, "s3cret"u8.ToArray(), 32, salt: [], info: "pccl handshake v2"u8.ToArray());

        Assert.Equal(expected, ClusterSecretKeys.Derive("s3cret"u8, "pccl handshake v2"u8));
    }

    [Fact]
    public void EachPurposeGetsItsOwnKeyAndNoneIsTheSecret()
    {
        var secret = new byte[32];
        RandomNumberGenerator.Fill(secret);

        var handshake = ClusterSecretKeys.Derive(secret, "pccl handshake v2"u8);
        var heartbeat = ClusterSecretKeys.Derive(secret, HeartbeatAuthenticator.ClusterKeyPurpose);

        Assert.NotEqual(handshake, heartbeat);
        Assert.NotEqual(secret, handshake);
        Assert.NotEqual(secret, heartbeat);
    }

    [Fact]
    public void AnEmptySecretIsRefused() =>
        Assert.Throws<ArgumentException>(() => ClusterSecretKeys.Derive([], "pccl handshake v2"u8));
}
