using Pccl.Cli.Preflight;

namespace Pccl.IntegrationTests.Preflight;

/// <summary>The <c>socket_buffers</c> row: what the kernel grants of the 4 MiB socket buffers PCCL asks for, and the fix when it caps them.</summary>
public class SocketBuffersTests
{
    private const long StockWindow = 212_992; // Linux' default net.core.wmem_max and rmem_max

    [Fact]
    public void The_window_is_what_the_kernel_grants_here_of_the_4_MiB_asked()
    {
        var wmem = long.Parse(File.ReadAllText("/proc/sys/net/core/wmem_max").Trim());
        var rmem = long.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim());
        Assert.Equal(Math.Min(4L << 20, Math.Min(wmem, rmem)), SocketBuffers.GrantedWindowBytes());
    }

    [Fact]
    public void Granted_buffers_pass()
    {
        var row = SocketBuffers.Judge(4L << 20, 80);
        Assert.Equal("pass", row.StatusName);
        Assert.Equal(4096, row.Value);
        Assert.Equal("", row.Advice);
    }

    [Fact]
    public void Capped_buffers_warn_with_the_rate_one_connection_keeps_and_the_sysctl_that_lifts_it()
    {
        var row = SocketBuffers.Judge(StockWindow, 100);
        Assert.Equal("warn", row.StatusName);
        Assert.Equal(208, row.Value);
        Assert.Contains("one connection keeps 208 KiB in flight", row.Advice);
        Assert.Contains("at most 17 Mbit/s over a 100 ms round trip", row.Advice);
        Assert.Contains("sysctl -w net.core.wmem_max=4194304 net.core.rmem_max=4194304", row.Advice);
        Assert.Contains($"net.core.wmem_max {File.ReadAllText("/proc/sys/net/core/wmem_max").Trim()}", row.Advice);

        // without a measured round trip the advice assumes a 100 ms inter-site path; a measured one is used as it is
        Assert.Equal(row.Advice, SocketBuffers.Judge(StockWindow, null).Advice);
        Assert.Contains("at most 34.1 Mbit/s over a 50 ms round trip", SocketBuffers.Judge(StockWindow, 50).Advice);
    }
}
