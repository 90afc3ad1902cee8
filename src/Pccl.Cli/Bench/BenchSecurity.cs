using System.Diagnostics;
using System.Security.Cryptography;

namespace Pccl.Cli.Bench;

/// <summary>
/// Security for <c>pccl bench allreduce --tls --auth</c>: a throwaway CA and one certificate (SAN 127.0.0.1) made
/// with openssl in a temporary directory, deleted on dispose, and a random shared secret that reaches the workers
/// through the inherited environment (PCCL_AUTH_SECRET), never the command line.
/// </summary>
internal sealed class BenchSecurity : IDisposable
{
    /// <summary>Environment variable the workers read the secret from.</summary>
    public const string SecretVariable = "PCCL_AUTH_SECRET";

    private readonly string? _directory;

    private BenchSecurity(bool tls, bool auth)
    {
        if (tls)
        {
            _directory = Path.Combine(Path.GetTempPath(), "pccl-bench-pki-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_directory);
            MakeCertificates(_directory);
            Tls = new TlsOptions { Enabled = true, CertFile = File("node.crt"), KeyFile = File("node.key"), CaFile = File("ca.crt") };
        }

        if (auth)
        {
            var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Environment.SetEnvironmentVariable(SecretVariable, secret);
            Auth = new AuthOptions { Enabled = true, Secret = secret };
        }
    }

    public TlsOptions Tls { get; } = TlsOptions.Disabled;

    public AuthOptions Auth { get; } = AuthOptions.Disabled;

    public static BenchSecurity Create(bool tls, bool auth) => new(tls, auth);

    /// <summary>Flags that give a worker the same settings (<c>allreduce-worker</c> understands them).</summary>
    public IEnumerable<string> WorkerFlags()
    {
        if (Tls.Enabled)
        {
            yield return "--tls-cert";
            yield return Tls.CertFile!;
            yield return "--tls-key";
            yield return Tls.KeyFile!;
            yield return "--tls-ca";
            yield return Tls.CaFile!;
        }

        if (Auth.Enabled)
        {
            yield return "--auth";
        }
    }

    /// <summary>Worker side: the options the coordinator's flags and environment describe.</summary>
    public static CommunicatorOptions Apply(CommunicatorOptions options, string? cert, string? key, string? ca, bool auth) => options with
    {
        Tls = cert is null ? TlsOptions.Disabled : new TlsOptions { Enabled = true, CertFile = cert, KeyFile = key, CaFile = ca },
        Auth = auth ? new AuthOptions { Enabled = true, Secret = Environment.GetEnvironmentVariable(SecretVariable) } : AuthOptions.Disabled,
    };

    private string File(string name) => Path.Combine(_directory!, name);

    private static void MakeCertificates(string directory)
    {
        string In(string name) => Path.Combine(directory, name);
        System.IO.File.WriteAllText(In("leaf.ext"),
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", In("ca.key"), "-out", In("ca.crt"),
            "-days", "1", "-subj", "/CN=PCCL bench CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        OpenSsl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", In("node.key"), "-out", In("node.csr"),
            "-subj", "/CN=pccl-bench");
        OpenSsl("x509", "-req", "-in", In("node.csr"), "-CA", In("ca.crt"), "-CAkey", In("ca.key"), "-CAcreateserial", "-days", "1",
            "-extfile", In("leaf.ext"), "-out", In("node.crt"));
    }

    private static void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl could not be started; --tls needs the openssl tool");
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments[0]} failed: {errors.Result.Trim()}");
        }
    }

    public void Dispose()
    {
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temporary directory is harmless
            }
        }
    }
}
