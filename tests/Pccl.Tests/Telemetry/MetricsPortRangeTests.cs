using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pccl.Hosting.Telemetry;
using Prometheus;

namespace Pccl.Tests.Telemetry;

/// <summary>A worker's default metrics port: the first free port of a range, so several workers share a host.</summary>
public sealed class MetricsPortRangeTests
{
    [Fact]
    public async Task TakesTheFirstFreePortOfTheRangeAndPublishesItInStatus()
    {
        using var occupants = Occupy(2, out var first);
        var range = new PortRange(first, first + 2);
        await using var server = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Ports = range },
            Metrics.NewCustomRegistry(), status: () => new { Role = "worker" });

        await server.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(first + 2, server.Port);
        using var http = new HttpClient();
        var status = await http.GetStringAsync(new Uri(server.BaseAddress, "status"), TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(status);
        Assert.Equal(first + 2, document.RootElement.GetProperty("metrics_port").GetInt32());
        Assert.Equal("worker", document.RootElement.GetProperty("role").GetString());
    }

    [Fact]
    public async Task AFullRangeFailsNamingTheRangeAndTheKey()
    {
        using var occupants = Occupy(2, out var first);
        await using var server = new MonitoringServer(
            new MonitoringServerOptions { BindAddress = "127.0.0.1", Ports = new PortRange(first, first + 1) }, Metrics.NewCustomRegistry());

        var error = await Assert.ThrowsAsync<PcclException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains($"{first}-{first + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains("metrics.port", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Listens on <paramref name="count"/> consecutive loopback ports followed by one free port, so the range under test is
    /// known to start with taken ports; retries on a collision with another process.
    /// </summary>
    private static Occupants Occupy(int count, out int first)
    {
        for (var attempt = 0; ; attempt++)
        {
            var listeners = new List<TcpListener>();
            first = FreeBase();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, first + i);
                    listener.Start();
                    listeners.Add(listener);
                }

                using var probe = new TcpListener(IPAddress.Loopback, first + count);
                probe.Start(); // the port after them is free now
                probe.Stop();
                return new Occupants(listeners);
            }
            catch (SocketException) when (attempt < 20)
            {
                listeners.ForEach(l => l.Stop());
            }
        }
    }

    private static int FreeBase()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return Math.Min(((IPEndPoint)socket.LocalEndPoint!).Port, 65000);
    }

    private sealed class Occupants(List<TcpListener> listeners) : IDisposable
    {
        public void Dispose() => listeners.ForEach(l => l.Stop());
    }
}
