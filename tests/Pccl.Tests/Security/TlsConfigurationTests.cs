using Pccl.Tests.Security.Support;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

[Collection(TestCertificatesCollection.Name)]
public sealed class TlsConfigurationTests(TestCertificates pki)
{
    [Fact]
    public void MissingCertFile_NamesTheFileAndTheKey()
    {
        var missing = pki.Path("no-such.crt");
        var options = pki.Options("server", pki.CaCert) with { CertFile = missing };

        var error = Assert.Throws<PcclException>(() => new TlsStreamFactory(options));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("network.tls.cert_file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingKeyFile_NamesTheFileAndTheKey()
    {
        var missing = pki.Path("no-such.key");
        var options = pki.Options("server", pki.CaCert) with { KeyFile = missing };

        var error = Assert.Throws<PcclException>(() => new TlsStreamFactory(options));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("network.tls.key_file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsetCertFile_NamesTheKey()
    {
        var options = pki.Options("server", pki.CaCert) with { CertFile = null };

        var error = Assert.Throws<PcclException>(() => new TlsStreamFactory(options));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains("network.tls.cert_file is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyOfAnotherCertificate_NamesTheKeyFile()
    {
        var options = pki.Options("server", pki.CaCert) with { KeyFile = pki.OtherKey };

        var error = Assert.Throws<PcclException>(() => new TlsStreamFactory(options));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains(pki.OtherKey, error.Message, StringComparison.Ordinal);
        Assert.Contains("network.tls.key_file", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not hold the private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaFileWithoutCertificate_NamesTheFileAndTheKey()
    {
        var notPem = pki.Path("not-a-ca.crt");
        File.WriteAllText(notPem, "this is not a certificate\n");
        var options = pki.Options("server", notPem);

        var error = Assert.Throws<PcclException>(() => new TlsStreamFactory(options));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains(notPem, error.Message, StringComparison.Ordinal);
        Assert.Contains("network.tls.ca_file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyFileGivenAsCertificate_NamesBothFiles()
    {
        var options = pki.Options("server", pki.CaCert) with { CertFile = pki.ServerKey };

        var error = Assert.Throws<PcclException>(() => new TlsStreamFactory(options));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains(pki.ServerKey, error.Message, StringComparison.Ordinal);
        Assert.Contains("network.tls.cert_file", error.Message, StringComparison.Ordinal);
    }
}
