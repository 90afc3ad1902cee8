using System.Globalization;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Deployment;

/// <summary>
/// <c>logging.console</c> on a real <c>pccl master</c>: log lines go to standard error by default, and to standard
/// output with <c>PCCL_LOGGING_CONSOLE=stdout</c> (what the container image sets, so the runtime collects them as a
/// service's logs).
/// </summary>
public sealed class ConsoleLogStreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(null, false)]
    [InlineData("stderr", false)]
    [InlineData("stdout", true)]
    public async Task TheMasterLogsToTheConfiguredStream(string? console, bool toStandardOutput)
    {
        var environment = new Dictionary<string, string>();
        if (console is not null)
        {
            environment["PCCL_LOGGING_CONSOLE"] = console;
        }

        var port = FreePort.Tcp().ToString(CultureInfo.InvariantCulture);
        await using var master = PcclProcess.Start("master", ["master", "--host", "127.0.0.1", "--port", port, "--log-file", "none"], environment);
        await PcclProcess.WaitUntilAsync(() => Logged(master) || master.HasExited, Patience, "master ready", master);

        Assert.False(master.HasExited, $"the master exited:\n{master.Stderr}");
        Assert.Equal(toStandardOutput, master.StdoutLines.Any(IsReady));
        Assert.Equal(!toStandardOutput, master.Stderr.Split('\n').Any(IsReady));
    }

    [Fact]
    public async Task OffLeavesBothStreamsFreeOfLogLines()
    {
        var port = FreePort.Tcp().ToString(CultureInfo.InvariantCulture);
        var logFile = Path.Combine(Path.GetTempPath(), $"pccl-console-off-{Guid.NewGuid():N}.log");
        try
        {
            await using (var master = PcclProcess.Start("master", ["master", "--host", "127.0.0.1", "--port", port, "--log-file", logFile],
                             new Dictionary<string, string> { ["PCCL_LOGGING_CONSOLE"] = "off" }))
            {
                await PcclProcess.WaitUntilAsync(() => (File.Exists(logFile) && ReadShared(logFile).Contains("master ready", StringComparison.Ordinal)) || master.HasExited,
                    Patience, "master ready in the log file", master);
                Assert.False(master.HasExited, $"the master exited:\n{master.Stderr}");
                Assert.DoesNotContain(master.StdoutLines, IsReady);
                Assert.DoesNotContain("master ready", master.Stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(logFile);
        }
    }

    private static bool Logged(PcclProcess master) => master.StdoutLines.Any(IsReady) || master.Stderr.Contains("master ready", StringComparison.Ordinal);

    private static bool IsReady(string line) => line.Contains("master ready", StringComparison.Ordinal);

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
