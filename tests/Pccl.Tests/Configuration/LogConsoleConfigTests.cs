using Pccl.Hosting.Logging;

namespace Pccl.Tests.Configuration;

/// <summary><c>logging.console</c>: where console log lines go, from the file or <c>PCCL_LOGGING_CONSOLE</c>.</summary>
public sealed class LogConsoleConfigTests
{
    [Fact]
    public void ConsoleLogsGoToStandardErrorByDefault() =>
        Assert.Equal(LogConsole.StandardError, ConfigHarness.Valid("").Logging.Console);

    [Theory]
    [InlineData("stderr", LogConsole.StandardError)]
    [InlineData("stdout", LogConsole.StandardOutput)]
    [InlineData("STDOUT", LogConsole.StandardOutput)]
    [InlineData("off", LogConsole.Off)]
    public void TheFileChoosesTheConsoleStream(string text, LogConsole expected) =>
        Assert.Equal(expected, ConfigHarness.Valid($"logging:\n  console: {text}\n").Logging.Console);

    [Fact]
    public void TheEnvironmentOverridesTheFile()
    {
        var environment = new Dictionary<string, string> { ["PCCL_LOGGING_CONSOLE"] = "stdout" };

        Assert.Equal(LogConsole.StandardOutput, ConfigHarness.Valid("logging:\n  console: stderr\n", environment).Logging.Console);
    }

    [Fact]
    public void AnUnknownStreamNamesTheKeyAndTheChoices()
    {
        var problem = ConfigHarness.OneProblem("logging:\n  console: journald\n");

        Assert.Contains("logging.console", problem);
        Assert.Contains("stderr, stdout or off", problem);
        Assert.Contains("journald", problem);
    }
}
