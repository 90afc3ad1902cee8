using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// A real Prometheus server (the Debian package's <c>prometheus</c> binary) on a free loopback port,
/// scraping the given targets every second into a throw-away TSDB, queried through its HTTP API.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly string workDirectory;
    private readonly StringBuilder log;
    private readonly HttpClient http;

    private PrometheusServer(Process process, string workDirectory, StringBuilder log, Uri baseAddress)
    {
        this.process = process;
        this.workDirectory = workDirectory;
        this.log = log;
        BaseAddress = baseAddress;
        http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The server's HTTP address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>What the server printed so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (<c>host:port</c>) under job <c>pccl</c> and waits until it is ready.</summary>
    public static Task<PrometheusServer> StartAsync(IReadOnlyList<string> targets, CancellationToken cancellationToken) =>
        StartWithJobsAsync([new ScrapeJob("pccl", targets)], cancellationToken);

    /// <summary>Starts Prometheus with the given scrape jobs and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartWithJobsAsync(IReadOnlyList<ScrapeJob> jobs, CancellationToken cancellationToken)
    {
        const int attempts = 3; // the free port we pick can be taken before Prometheus binds it
        for (var attempt = 1; ; attempt++)
        {
            var server = Launch(jobs, FreeLoopbackPort());
            try
            {
                await server.WaitReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < attempts && server.Log.Contains("address already in use", StringComparison.Ordinal))
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Runs an instant query. Returns the value of a scalar result or of the only sample of a vector
    /// result, null for an empty vector; throws for a failed query or a vector of several samples.
    /// </summary>
    public async Task<double?> QueryScalarAsync(string promql, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Query '{promql}' failed: {body}");
        }

        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        switch (data.GetProperty("resultType").GetString())
        {
            case "scalar":
                return ParseSampleValue(result);
            case "vector":
                var samples = result.EnumerateArray().ToList();
                return samples.Count switch
                {
                    0 => null,
                    1 => ParseSampleValue(samples[0].GetProperty("value")),
                    _ => throw new InvalidOperationException($"Query '{promql}' returned {samples.Count} samples; aggregate it: {body}"),
                };
            default:
                throw new InvalidOperationException($"Query '{promql}' returned no scalar or vector: {body}");
        }
    }

    /// <summary>The <c>/api/v1/targets</c> document: each target's health and last scrape error.</summary>
    public async Task<string> TargetsAsync(CancellationToken cancellationToken) =>
        await http.GetStringAsync(new Uri("api/v1/targets", UriKind.Relative), cancellationToken);

    /// <summary>Runs an instant query that yields a vector; returns each sample's labels and value (empty for no samples).</summary>
    public async Task<IReadOnlyList<PrometheusSample>> QueryVectorAsync(string promql, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.GetProperty("status").GetString() != "success" || root.GetProperty("data").GetProperty("resultType").GetString() != "vector")
        {
            throw new InvalidOperationException($"Query '{promql}' failed or returned no vector: {body}");
        }

        return [.. root.GetProperty("data").GetProperty("result").EnumerateArray().Select(sample => new PrometheusSample(
            sample.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? ""),
            ParseSampleValue(sample.GetProperty("value"))))];
    }

    /// <summary>Polls a vector query (every 500 ms) until its samples satisfy <paramref name="accept"/>; throws with the last samples after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<PrometheusSample>> WaitForVectorAsync(
        string promql, Func<IReadOnlyList<PrometheusSample>, bool> accept, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<PrometheusSample> last = [];
        while (deadline.Elapsed < timeout)
        {
            last = await QueryVectorAsync(promql, cancellationToken);
            if (accept(last))
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        throw new TimeoutException($"'{promql}' was [{string.Join("; ", last)}] after {timeout}; Prometheus log:\n{Log}");
    }

    /// <summary>Polls a query (every 500 ms) until its value satisfies <paramref name="accept"/>; throws with the last value after <paramref name="timeout"/>.</summary>
    public async Task<double> WaitForValueAsync(string promql, Func<double, bool> accept, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        double? last = null;
        while (deadline.Elapsed < timeout)
        {
            last = await QueryScalarAsync(promql, cancellationToken);
            if (last is { } value && accept(value))
            {
                return value;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        throw new TimeoutException($"'{promql}' was {last?.ToString(CultureInfo.InvariantCulture) ?? "empty"} after {timeout}; Prometheus log:\n{Log}");
    }

    /// <summary>Stops the server (only the process this helper started) and deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
        try
        {
            Directory.Delete(workDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static PrometheusServer Launch(IReadOnlyList<ScrapeJob> jobs, int port)
    {
        var workDirectory = Path.Combine(Path.GetTempPath(), "pccl-prometheus-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workDirectory);
        var config = Path.Combine(workDirectory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
            {string.Concat(jobs.Select(j => j.ToYaml()))}
            """);

        var start = new ProcessStartInfo(LocateBinary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        start.ArgumentList.Add("--config.file=" + config);
        start.ArgumentList.Add("--storage.tsdb.path=" + Path.Combine(workDirectory, "data"));
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");

        var log = new StringBuilder();
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PrometheusServer(process, workDirectory, log, new Uri($"http://127.0.0.1:{port}/"));
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("-/ready", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        throw new InvalidOperationException($"prometheus was not ready after {timeout}:\n{Log}");
    }

    private static string LocateBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "prometheus"))
            .Append("/usr/bin/prometheus")
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "The prometheus binary is not installed; run scripts/ensure-test-deps.sh or install the Debian package 'prometheus'.");

    private static double ParseSampleValue(JsonElement pair) =>
        double.Parse(pair[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// One Prometheus scrape job: its targets and, for a protected endpoint, <c>scheme: https</c> with the CA that signed its
/// certificate and the file holding the bearer token (<c>authorization.credentials_file</c>).
/// </summary>
internal sealed record ScrapeJob(string Name, IReadOnlyList<string> Targets, string? CaFile = null, string? TokenFile = null)
{
    public string ToYaml()
    {
        var yaml = new StringBuilder($"  - job_name: '{Name}'\n");
        if (CaFile is not null)
        {
            yaml.Append("    scheme: https\n").Append($"    tls_config:\n      ca_file: '{CaFile}'\n");
        }

        if (TokenFile is not null)
        {
            yaml.Append($"    authorization:\n      credentials_file: '{TokenFile}'\n");
        }

        return yaml.Append($"    static_configs:\n      - targets: [{string.Join(", ", Targets.Select(t => $"'{t}'"))}]\n").ToString();
    }
}
