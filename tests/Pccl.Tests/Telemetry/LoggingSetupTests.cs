using Microsoft.Extensions.Logging;
using Pccl.Hosting.Logging;
using Pccl.Tests.Support;
using Serilog.Events;

namespace Pccl.Tests.Telemetry;

public sealed class LoggingSetupTests
{
    [Fact]
    public void FileRollsOverAtItsSizeLimitAndKeepsTheConfiguredNumberOfFiles()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "logs", "worker.log");
        const long limit = 2048;

        using (var factory = LoggingSetup.CreateLoggerFactory(new LoggingSettings
               {
                   FilePath = path, MaxFileSizeBytes = limit, RetainedFileCount = 3, Console = LogConsole.Off,
               }))
        {
            var logger = factory.CreateLogger("Rotation");
            for (var i = 0; i < 200; i++)
            {
                logger.LogInformation("line {Index} with some padding to fill the file quickly", i);
            }
        }

        var files = Directory.GetFiles(Path.Combine(dir.Path, "logs")).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.Equal(3, files.Length);
        Assert.All(files, f => Assert.Matches(@"worker(_\d+)?\.log$", f));
        // A file may pass the limit by at most the one event that crossed it.
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, limit + 512));
        var newest = files.OrderByDescending(f => File.GetLastWriteTimeUtc(f)).ThenByDescending(f => f, StringComparer.Ordinal).First();
        Assert.Contains("line 199 ", File.ReadAllText(newest));
        Assert.DoesNotContain(files, f => File.ReadAllText(f).Contains("line 0 ", StringComparison.Ordinal));
    }

    [Fact]
    public void LevelFiltersEventsBelowIt()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "worker.log");

        using (var factory = LoggingSetup.CreateLoggerFactory(new LoggingSettings { FilePath = path, Level = "WARN", Console = LogConsole.Off }))
        {
            var logger = factory.CreateLogger("Levels");
            logger.LogInformation("quiet info");
            logger.LogWarning("loud warning");
        }

        var text = File.ReadAllText(path);
        Assert.Contains("loud warning", text);
        Assert.Contains("[WRN]", text);
        Assert.DoesNotContain("quiet info", text);
    }

    [Theory]
    [InlineData("TRACE", LogEventLevel.Verbose)]
    [InlineData("DEBUG", LogEventLevel.Debug)]
    [InlineData("INFO", LogEventLevel.Information)]
    [InlineData("info", LogEventLevel.Information)]
    [InlineData("WARN", LogEventLevel.Warning)]
    [InlineData("ERROR", LogEventLevel.Error)]
    public void ParsesTheConfigLevels(string level, LogEventLevel expected) =>
        Assert.Equal(expected, LoggingSetup.ParseLevel(level));

    [Fact]
    public void UnknownLevelNamesTheKey()
    {
        var error = Assert.Throws<PcclException>(() => LoggingSetup.ParseLevel("LOUD"));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains("logging.level", error.Message);
        Assert.Contains("LOUD", error.Message);
    }

    [Fact]
    public void UnwritableLogDirectoryFailsWithThePathAndTheKey()
    {
        using var dir = new TempDirectory();
        // A regular file where a directory should be: not writable as a directory even for root.
        var blocker = Path.Combine(dir.Path, "not-a-dir");
        File.WriteAllText(blocker, "x");
        var path = Path.Combine(blocker, "pccl", "worker.log");

        var error = Assert.Throws<PcclException>(() =>
            LoggingSetup.CreateLoggerFactory(new LoggingSettings { FilePath = path, Console = LogConsole.Off }));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains(path, error.Message);
        Assert.Contains("logging.file", error.Message);
    }

    [Fact]
    public void MegabytesConvertToBytes() => Assert.Equal(100L * 1024 * 1024, LoggingSettings.MegabytesToBytes(100));
}
