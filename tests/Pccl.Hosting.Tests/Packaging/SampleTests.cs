using System.Diagnostics;
using System.Text.Json;
using Pccl.IntegrationTests.Support;
using Pccl.Tests.Support;

namespace Pccl.Hosting.Tests.Packaging;

/// <summary>
/// The sample (samples/Pccl.Samples.Training), copied out of the repository, built against the packed packages restored
/// from the feed only, and run as three processes: the master as a hosted service and two peers that train.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public class SampleTests(PackedFeed feed)
{
    private const int Steps = 5;

    [Fact]
    public async Task TheSampleBuildsAgainstThePackagesAndTrainsAsSeveralProcesses()
    {
        var samples = Path.Combine(feed.Root, "samples");
        var project = Path.Combine(samples, "Pccl.Samples.Training");
        Directory.CreateDirectory(project);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
        {
            File.Copy(RepositoryPaths.Of(Path.Combine("samples", file)), Path.Combine(samples, file));
        }

        foreach (var file in Directory.GetFiles(RepositoryPaths.Of("samples/Pccl.Samples.Training")))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        feed.WriteNuGetConfig(samples);
        var build = await Tool.RunAsync("dotnet", ["build", project, "-c", "Release", "-nologo", $"-p:PcclVersion={feed.Version}"],
            samples, feed.Environment, TimeSpan.FromMinutes(10));
        Assert.True(build.ExitCode == 0, $"the sample does not build against the packages:\n{build.Stdout}\n{build.Stderr}");
        AssertRestoredFromTheFeed(project, "Pccl.Hosting");
        AssertRestoredFromTheFeed(project, "Pccl");

        var app = Path.Combine(project, "bin", "Release", "net10.0", "Pccl.Samples.Training.dll");
        var port = FreePort.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] network = ["--Pccl:network:master_port", port, "--Pccl:network:bind_address", "127.0.0.1", "--Pccl:network:heartbeat_timeout_ms", "5000"];
        using var master = Start(app, ["--Sample:Role", "master", .. network]);
        try
        {
            string[] worker = [app, "--Sample:Role", "worker", "--Sample:Steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--Pccl:network:p2p_port_range", FreePort.P2PRange(), .. network];
            var workers = await Task.WhenAll(
                Tool.RunAsync("dotnet", worker, project, feed.Environment, TimeSpan.FromMinutes(3)),
                Tool.RunAsync("dotnet", worker, project, feed.Environment, TimeSpan.FromMinutes(3)));
            Assert.All(workers, w =>
            {
                Assert.True(w.ExitCode == 0, $"a worker exited with {w.ExitCode}:\n{w.Stdout}\n{w.Stderr}");
                Assert.Contains($"training done: {Steps} steps", w.Stdout, StringComparison.Ordinal);
                Assert.Contains($"step {Steps}: world 2", w.Stdout, StringComparison.Ordinal);
            });
            Assert.False(master.HasExited, "the master stays up after its workers leave");
        }
        finally
        {
            master.Kill(entireProcessTree: true);
            await master.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The package was restored from the local feed (NuGet records the source next to the extracted package).</summary>
    private void AssertRestoredFromTheFeed(string project, string id)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "obj", "project.assets.json")));
        Assert.True(assets.RootElement.GetProperty("libraries").TryGetProperty($"{id}/{feed.Version}", out _), $"{id} {feed.Version} is not in the restore graph");
        var metadata = Path.Combine(feed.Packages, id.ToLowerInvariant(), feed.Version, ".nupkg.metadata");
        using var record = JsonDocument.Parse(File.ReadAllText(metadata));
        Assert.Equal(Path.TrimEndingDirectorySeparator(feed.Feed), Path.TrimEndingDirectorySeparator(record.RootElement.GetProperty("source").GetString()!));
    }

    private Process Start(string app, string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(app);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in feed.Environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
