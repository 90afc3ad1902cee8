using System.Globalization;
using System.Net;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Heartbeats;

/// <summary>The master's heartbeat socket asks for a receive buffer that holds half a second of 1,000 peers' pings at 100 ms.</summary>
public sealed class HeartbeatReceiveBufferTests
{
    [Fact]
    public void The_heartbeat_socket_gets_the_buffer_for_1000_peers_as_far_as_rmem_max_allows()
    {
        using var monitor = HeartbeatMonitor.Start(new IPEndPoint(IPAddress.Loopback, 0), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500),
            TimeSpan.FromMilliseconds(50), _ => { });

        // 1,000 peers at 100 ms for half a second, at the kernel's accounting of about 1 KiB per small datagram
        Assert.True(HeartbeatMonitor.ReceiveBufferTarget >= 1000 * 10 / 2 * 1024);
        var rmemMax = long.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), CultureInfo.InvariantCulture);
        var allowed = Math.Min(HeartbeatMonitor.ReceiveBufferTarget, 2 * rmemMax);
        Assert.True(monitor.ReceiveBufferBytes >= allowed,
            $"SO_RCVBUF reads {monitor.ReceiveBufferBytes} bytes; asked {HeartbeatMonitor.ReceiveBufferTarget}, net.core.rmem_max is {rmemMax}");
    }

    [Fact]
    public void The_kernel_limit_is_read_for_the_advice()
    {
        Assert.Equal(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), KernelReceiveLimit.Describe());
    }
}
