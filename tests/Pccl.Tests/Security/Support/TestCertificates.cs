using System.Diagnostics;

namespace Pccl.Tests.Security.Support;

/// <summary>
/// Throwaway PKI made with the openssl CLI in a temporary directory, once per test run, deleted afterwards:
/// a CA with a server and a client certificate (SAN IP:127.0.0.1, DNS:localhost), an unrelated CA with its own
/// certificate, an expired certificate from the first CA, and one the first CA issued for code signing only.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pccl-test-pki-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path("leaf.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n" +
            "extendedKeyUsage=serverAuth,clientAuth\n" +
            "basicConstraints=critical,CA:FALSE\n" +
            "keyUsage=critical,digitalSignature\n");

        File.WriteAllText(Path("codesign.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n" +
            "extendedKeyUsage=codeSigning\n" +
            "basicConstraints=critical,CA:FALSE\n" +
            "keyUsage=critical,digitalSignature\n");

        MakeAuthority("ca", "PCCL Test CA");
        MakeLeaf("server", "ca", "pccl-server", days: "30");
        MakeLeaf("client", "ca", "pccl-client", days: "30");
        MakeLeaf("expired", "ca", "pccl-expired", days: "-1");
        MakeLeaf("codesign", "ca", "pccl-codesign", days: "30", extensions: "codesign.ext");
        MakeAuthority("other-ca", "Unrelated Test CA");
        MakeLeaf("other", "other-ca", "pccl-other", days: "30");
    }

    /// <summary>The temporary directory holding every file.</summary>
    public string Directory { get; }

    public string CaCert => Path("ca.crt");
    public string ServerCert => Path("server.crt");
    public string ServerKey => Path("server.key");
    public string ClientCert => Path("client.crt");
    public string ClientKey => Path("client.key");
    public string ExpiredCert => Path("expired.crt");
    public string ExpiredKey => Path("expired.key");
    public string CodeSigningCert => Path("codesign.crt");
    public string OtherCaCert => Path("other-ca.crt");
    public string OtherCert => Path("other.crt");
    public string OtherKey => Path("other.key");

    /// <summary>Options of a process holding <paramref name="name"/>.crt/.key and trusting <paramref name="caFile"/>.</summary>
    public TlsOptions Options(string name, string? caFile) => new()
    {
        Enabled = true,
        CertFile = Path(name + ".crt"),
        KeyFile = Path(name + ".key"),
        CaFile = caFile,
    };

    public string Path(string file) => System.IO.Path.Combine(Directory, file);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail the run.
        }
    }

    private void MakeAuthority(string name, string commonName) =>
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", Path(name + ".key"), "-out", Path(name + ".crt"), "-days", "30", "-subj", "/CN=" + commonName,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");

    private void MakeLeaf(string name, string authority, string commonName, string days, string extensions = "leaf.ext")
    {
        OpenSsl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", Path(name + ".key"), "-out", Path(name + ".csr"), "-subj", "/CN=" + commonName);
        OpenSsl("x509", "-req", "-in", Path(name + ".csr"), "-CA", Path(authority + ".crt"), "-CAkey", Path(authority + ".key"),
            "-set_serial", "0x" + Guid.NewGuid().ToString("N")[..16], "-days", days, "-extfile", Path(extensions),
            "-out", Path(name + ".crt"));
    }

    private static void OpenSsl(params string[] arguments)
    {
        var (exitCode, _, errors) = RunOpenSsl(arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed: {errors}");
        }
    }

    /// <summary>Runs the openssl CLI with no input; returns its exit code and what it printed.</summary>
    internal static (int ExitCode, string Output, string Errors) RunOpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl could not be started");
        process.StandardInput.Close();
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            process.WaitForExit();
            return (-1, output.Result, errors.Result + "\n(openssl did not finish within 30 s and was killed)");
        }

        return (process.ExitCode, output.Result, errors.Result);
    }
}

/// <summary>Shares one <see cref="TestCertificates"/> between every test class that needs certificates.</summary>
[CollectionDefinition(Name)]
public sealed class TestCertificatesCollection : ICollectionFixture<TestCertificates>
{
    public const string Name = "Test certificates";
}
