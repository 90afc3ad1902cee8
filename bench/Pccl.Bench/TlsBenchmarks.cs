using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Pccl.Transport.Security;

namespace Pccl.Bench;

/// <summary>
/// One 64 MiB transfer over a loopback TCP connection, plain and inside mutual TLS (the connection and handshake are
/// set up once; only the transfer is measured). GB/s = 0.0671 GB / mean.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: everything is disposed in [GlobalCleanup]
public class TlsBenchmarks
#pragma warning restore CA1001
{
    private const int TransferBytes = 64 << 20;
    private const int WriteBytes = 1 << 20;

    private readonly byte[] _source = new byte[WriteBytes];
    private readonly byte[] _sink = new byte[WriteBytes];
    private string _directory = "";
    private Connection _plain = null!;
    private Connection _tls = null!;
    private Stream _tlsServer = null!;
    private Stream _tlsClient = null!;
    private TlsStreamFactory _factory = null!;

    [GlobalSetup]
    public void Setup()
    {
        RandomNumberGenerator.Fill(_source);
        _directory = Directory.CreateTempSubdirectory("pccl-bench-tls-").FullName;
        var options = WriteSelfSignedIdentity(_directory);
        _factory = new TlsStreamFactory(options);
        _plain = Connection.Open();
        _tls = Connection.Open();
        var server = _factory.AuthenticateAsServerAsync(_tls.Server, CancellationToken.None);
        var client = _factory.AuthenticateAsClientAsync(_tls.Client, "127.0.0.1", CancellationToken.None);
        _tlsServer = server.GetAwaiter().GetResult();
        _tlsClient = client.GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tlsServer.Dispose();
        _tlsClient.Dispose();
        _plain.Dispose();
        _tls.Dispose();
        _factory.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "64 MiB plain TCP")]
    public Task Plain() => TransferAsync(_plain.Client, _plain.Server);

    [Benchmark(Description = "64 MiB TLS")]
    public Task Tls() => TransferAsync(_tlsClient, _tlsServer);

    private async Task TransferAsync(Stream writer, Stream reader)
    {
        var receive = Task.Run(async () =>
        {
            var remaining = TransferBytes;
            while (remaining > 0)
            {
                var read = await reader.ReadAsync(_sink.AsMemory(0, Math.Min(remaining, _sink.Length)));
                if (read == 0)
                {
                    throw new EndOfStreamException();
                }

                remaining -= read;
            }
        });

        for (var sent = 0; sent < TransferBytes; sent += WriteBytes)
        {
            await writer.WriteAsync(_source);
        }

        await writer.FlushAsync();
        await receive;
    }

    private static TlsOptions WriteSelfSignedIdentity(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pccl-bench", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var certFile = Path.Combine(directory, "bench.crt");
        var keyFile = Path.Combine(directory, "bench.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return new TlsOptions { Enabled = true, CertFile = certFile, KeyFile = keyFile, CaFile = certFile };
    }

    private sealed class Connection : IDisposable
    {
        private readonly Socket _server;
        private readonly Socket _client;

        private Connection(Socket server, Socket client)
        {
            _server = server;
            _client = client;
            Server = new NetworkStream(server, ownsSocket: true);
            Client = new NetworkStream(client, ownsSocket: true);
        }

        public NetworkStream Server { get; }
        public NetworkStream Client { get; }

        public static Connection Open()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.Connect(listener.LocalEndPoint!);
            var server = listener.Accept();
            server.NoDelay = true;
            return new Connection(server, client);
        }

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
            _server.Dispose();
            _client.Dispose();
        }
    }
}
