using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.Hosting.Tests.Packaging;

/// <summary><c>dotnet tool install</c> of the packed tool, then the installed <c>pccl demo</c>.</summary>
[Collection(PackedFeedCollection.Name)]
public class ToolInstallTests(PackedFeed feed)
{
    [Fact]
    public async Task TheToolInstallsFromTheFeedAndRunsTheDemo()
    {
        var tools = Path.Combine(feed.Root, "tools");
        var install = await Tool.RunAsync("dotnet",
            ["tool", "install", "Pccl.Cli", "--tool-path", tools, "--version", feed.Version, "--configfile", feed.NuGetConfig],
            feed.Root, feed.Environment, TimeSpan.FromMinutes(5));
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed:\n{install.Stdout}\n{install.Stderr}");

        var environment = new Dictionary<string, string>(feed.Environment)
        {
            // the demo's story is under test, not heartbeat timing on a loaded machine
            ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "3000",
        };
        var demo = await Tool.RunAsync(Path.Combine(tools, "pccl"),
            ["demo", "--peers", "3", "--elements", "4096", "--steps-per-phase", "3", "--json"],
            feed.Root, environment, TimeSpan.FromMinutes(3));

        Assert.True(demo.ExitCode == 0, $"the installed pccl demo exited with {demo.ExitCode}:\n{demo.Stderr}");
        var summary = JsonDocument.Parse(demo.Stdout.Split('\n').Single(l => l.StartsWith('{'))).RootElement;
        Assert.True(summary.GetProperty("passed").GetBoolean(), summary.ToString());
        Assert.Equal(0, summary.GetProperty("summary").GetProperty("disagreements").GetInt32());
    }
}
