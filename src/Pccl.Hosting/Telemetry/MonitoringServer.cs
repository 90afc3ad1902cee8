using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Pccl.Hosting.Telemetry;

/// <summary>
/// The process's monitoring HTTP endpoint (a minimal Kestrel bound only to the configured address):
/// <c>GET /metrics</c> (Prometheus text format), <c>/healthz</c> (200 "ok" while the process runs),
/// <c>/readyz</c> (200 when the readiness delegate says so, else 503 with the reason) and
/// <c>/status</c> (JSON from the status delegate).
/// </summary>
public sealed class MonitoringServer : IAsyncDisposable
{
    private const string PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly JsonSerializerOptions StatusJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly MonitoringServerOptions options;
    private readonly CollectorRegistry registry;
    private readonly Func<ReadinessReport> readiness;
    private readonly Func<CancellationToken, Task<JsonNode?>> status;
    private WebApplication? app;
    private BearerToken? token;
    private X509Certificate2? certificate;

    /// <summary>Creates a stopped server; call <see cref="StartAsync"/>.</summary>
    /// <param name="options">Bind address and port.</param>
    /// <param name="registry">The registry served on /metrics (usually <see cref="PrometheusBridge.Registry"/>).</param>
    /// <param name="readiness">Answers /readyz; when null the process is always ready.</param>
    /// <param name="status">Produces the /status document (serialised with snake_case names); when null /status is <c>{}</c>.</param>
    public MonitoringServer(MonitoringServerOptions options, CollectorRegistry registry,
        Func<ReadinessReport>? readiness = null, Func<object?>? status = null)
        : this(options, registry, readiness, WrapStatus(status))
    {
    }

    /// <summary>Creates a stopped server whose /status document is produced asynchronously; call <see cref="StartAsync"/>.</summary>
    /// <param name="options">Bind address and port.</param>
    /// <param name="registry">The registry served on /metrics (usually <see cref="PrometheusBridge.Registry"/>).</param>
    /// <param name="readiness">Answers /readyz; when null the process is always ready.</param>
    /// <param name="statusAsync">
    /// Produces the /status document (serialised with snake_case names), e.g. by asking an event loop for a snapshot;
    /// the token is the request's.
    /// </param>
    public MonitoringServer(MonitoringServerOptions options, CollectorRegistry registry,
        Func<ReadinessReport>? readiness, Func<CancellationToken, Task<object?>> statusAsync)
        : this(options, registry, readiness, SerializeStatus(statusAsync))
    {
    }

    /// <summary>
    /// Creates a stopped server whose /status document is built as JSON already: no reflection-based serialisation is
    /// reachable from it, as a NativeAOT build (<c>libpccl.so</c>) needs; call <see cref="StartAsync"/>.
    /// </summary>
    /// <param name="options">Bind address and port.</param>
    /// <param name="registry">The registry served on /metrics (usually <see cref="PrometheusBridge.Registry"/>).</param>
    /// <param name="readiness">Answers /readyz; when null the process is always ready.</param>
    /// <param name="statusDocument">Produces the /status document; the token is the request's.</param>
    public MonitoringServer(MonitoringServerOptions options, CollectorRegistry registry,
        Func<ReadinessReport>? readiness, Func<CancellationToken, Task<JsonNode?>> statusDocument)
    {
        ArgumentNullException.ThrowIfNull(statusDocument);
        this.options = options;
        this.registry = registry;
        this.readiness = readiness ?? (() => ReadinessReport.Ready);
        status = statusDocument;
    }

    /// <summary>The port actually bound (differs from the options when they ask for 0); valid after start.</summary>
    public int Port { get; private set; }

    /// <summary>The base URL actually bound, e.g. <c>http://127.0.0.1:9090/</c>; valid after start.</summary>
    public Uri BaseAddress { get; private set; } = new("http://localhost/");

    /// <summary>Binds the port and starts answering.</summary>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.InvalidConfiguration"/> when the address is invalid or the port is taken.
    /// </exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (app is not null)
        {
            throw new PcclException(PcclErrorCode.InvalidState, "The monitoring server is already started.");
        }

        var address = ParseBindAddress(options.BindAddress);
        token = BearerToken.From(options);
        certificate = LoadCertificate(options);
        if (options.Ports is { } range)
        {
            for (var port = range.First; port <= range.Last; port++)
            {
                var failure = await TryStartAsync(address, port, cancellationToken);
                if (failure is null)
                {
                    return;
                }

                if (!IsAddressInUse(failure))
                {
                    throw BindFailure(address, port, failure);
                }
            }

            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"every metrics port in {range} on {address} is in use (the default for workers, one per worker on a host): " +
                "stop some of the processes on this host or set metrics.port (0 picks any free port)");
        }

        if (options.Port is < 0 or > 65535)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"metrics.port {options.Port} is not a TCP port; use a value from 1 to 65535 (default {MonitoringServerOptions.DefaultPort}).");
        }

        if (await TryStartAsync(address, options.Port, cancellationToken) is { } error)
        {
            throw BindFailure(address, options.Port, error);
        }
    }

    /// <summary>Starts answering on <paramref name="port"/>, or returns why binding it failed.</summary>
    private async Task<Exception?> TryStartAsync(IPAddress address, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(address, port, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var built = builder.Build();
        built.Run(HandleAsync);

        try
        {
            await built.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await built.DisposeAsync();
            return e;
        }

        var bound = built.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        BaseAddress = bound is null ? new Uri($"http://{FormatHost(address)}:{port}/") : new Uri(bound.TrimEnd('/') + "/");
        Port = BaseAddress.Port;
        app = built;
        return null;
    }

    /// <summary>Stops answering and releases the port.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = Interlocked.Exchange(ref app, null);
        if (running is null)
        {
            return;
        }

        try
        {
            await running.StopAsync(cancellationToken);
        }
        finally
        {
            await running.DisposeAsync();
            certificate?.Dispose();
        }
    }

    /// <summary>Stops the server if it is running.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        var cancellationToken = context.RequestAborted;
        if (token is not null && request.Path.Value is "/metrics" or "/status" && !token.Admits(request))
        {
            response.Headers.WWWAuthenticate = "Bearer realm=\"pccl\"";
            await WriteTextAsync(response, StatusCodes.Status401Unauthorized,
                "unauthorized: send Authorization: Bearer <metrics.bearer_token>", cancellationToken);
            return;
        }

        switch (request.Path.Value)
        {
            case "/metrics":
                response.ContentType = PrometheusContentType;
                await registry.CollectAndExportAsTextAsync(response.Body, ExpositionFormat.PrometheusText, cancellationToken);
                break;
            case "/healthz":
                await WriteTextAsync(response, StatusCodes.Status200OK, "ok", cancellationToken);
                break;
            case "/readyz":
                var report = Evaluate(readiness);
                await WriteTextAsync(response, report.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
                    report.IsReady ? "ready" : "not ready: " + report.Reason, cancellationToken);
                break;
            case "/status":
                await WriteStatusAsync(response, cancellationToken);
                break;
            default:
                await WriteTextAsync(response, StatusCodes.Status404NotFound,
                    "not found; endpoints: /metrics /healthz /readyz /status", cancellationToken);
                break;
        }
    }

    private async Task WriteStatusAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        JsonNode? json;
        try
        {
            json = await status(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await WriteTextAsync(response, StatusCodes.Status500InternalServerError, "status unavailable: " + e.Message, cancellationToken);
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        if (json is JsonObject fields)
        {
            fields["metrics_port"] = Port; // the port this process bound, which a default range or 0 leaves to chance
        }

        await response.WriteAsync(json?.ToJsonString() ?? "null", cancellationToken);
    }

    private static Func<CancellationToken, Task<JsonNode?>> SerializeStatus(Func<CancellationToken, Task<object?>> statusAsync)
    {
        ArgumentNullException.ThrowIfNull(statusAsync);
        return async cancellationToken =>
        {
            var document = await statusAsync(cancellationToken);
            return JsonSerializer.SerializeToNode(document, document?.GetType() ?? typeof(object), StatusJson);
        };
    }

    private static Func<CancellationToken, Task<object?>> WrapStatus(Func<object?>? status) =>
        status is null ? _ => Task.FromResult<object?>(new Dictionary<string, object>()) : _ => Task.FromResult(status());

    private static ReadinessReport Evaluate(Func<ReadinessReport> readiness)
    {
        try
        {
            return readiness();
        }
        catch (Exception e)
        {
            return ReadinessReport.NotReady("readiness check failed: " + e.Message);
        }
    }

    private static async Task WriteTextAsync(HttpResponse response, int statusCode, string body, CancellationToken cancellationToken)
    {
        response.StatusCode = statusCode;
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(body + "\n", cancellationToken);
    }

    private static IPAddress ParseBindAddress(string bindAddress)
    {
        if (string.Equals(bindAddress, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (bindAddress == "*")
        {
            return IPAddress.Any;
        }

        return IPAddress.TryParse(bindAddress, out var address)
            ? address
            : throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"metrics.bind_address '{bindAddress}' is not an IP address; use e.g. 0.0.0.0 (all interfaces) or 127.0.0.1 (loopback).");
    }

    private static X509Certificate2? LoadCertificate(MonitoringServerOptions options)
    {
        if (options.TlsCertFile is null && options.TlsKeyFile is null)
        {
            return null;
        }

        if (options.TlsCertFile is null || options.TlsKeyFile is null)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                "metrics.tls.cert_file and metrics.tls.key_file must be set together to serve the monitoring endpoint over HTTPS");
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.TlsCertFile, options.TlsKeyFile);
            // Exported and loaded again so that the key is usable by the TLS stack on every platform, not an ephemeral handle.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"cannot load the monitoring endpoint's certificate (metrics.tls.cert_file '{options.TlsCertFile}', " +
                $"metrics.tls.key_file '{options.TlsKeyFile}'): {e.Message}", innerException: e);
        }
    }

    private static bool IsAddressInUse(Exception e) => e is AddressInUseException || e.InnerException is AddressInUseException
        || (e.InnerException ?? e) is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse };

    private static PcclException BindFailure(IPAddress address, int port, Exception e)
    {
        var message = IsAddressInUse(e)
            ? $"The metrics port {port} on {address} is already in use (config key metrics.port); " +
              "choose a free port for metrics.port or stop the process that holds it."
            : $"Cannot listen for metrics on {address}:{port} (config keys metrics.bind_address, metrics.port): {e.Message}";
        return new PcclException(PcclErrorCode.InvalidConfiguration, message, innerException: e);
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
