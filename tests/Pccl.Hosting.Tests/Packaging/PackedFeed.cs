using System.Xml.Linq;
using Pccl.IntegrationTests.Support;
using Pccl.Tests.Support;

namespace Pccl.Hosting.Tests.Packaging;

/// <summary>
/// The packages, packed once per test run by <c>scripts/pack.sh</c> into a folder feed with a version of their own
/// (so no package cache holds an older build under it), and a NuGet.config that takes <c>Pccl*</c> from that feed only
/// and everything else from the sources this machine's NuGet uses. Restores go to a package folder of their own.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private readonly TempDirectory _root = new();

    public PackedFeed()
    {
        Version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(Packages);
    }

    public string Root => _root.Path;

    public string Feed => Path.Combine(Root, "feed");

    public string Packages => Path.Combine(Root, "packages");

    public string NuGetConfig => Path.Combine(Root, "NuGet.config");

    public string Version { get; }

    /// <summary>Environment of every dotnet command run against the feed.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = Packages,
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    /// <summary>The path of a package file in the feed, e.g. <c>Pccl.Hosting</c>, <c>nupkg</c>.</summary>
    public string PackageFile(string id, string extension) => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    public async ValueTask InitializeAsync()
    {
        var (code, stdout, stderr) = await Tool.RunAsync(RepositoryPaths.Of("scripts/pack.sh"), [Feed, Version],
            RepositoryPaths.Root, Environment, TimeSpan.FromMinutes(15));
        Assert.True(code == 0, $"scripts/pack.sh failed ({code}):\n{stdout}\n{stderr}");
        WriteNuGetConfig();
    }

    public ValueTask DisposeAsync()
    {
        _root.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes NuGet.config into <paramref name="directory"/> (default: the feed's root).</summary>
    public void WriteNuGetConfig(string? directory = null) =>
        BuildNuGetConfig().Save(directory is null ? NuGetConfig : Path.Combine(directory, "NuGet.config"));

    private XDocument BuildNuGetConfig()
    {
        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        var machineSources = XDocument.Load(Path.Combine(home, ".nuget", "NuGet", "NuGet.Config"))
            .Descendants("packageSources").Elements("add")
            .Select(e => (Key: (string)e.Attribute("key")!, Value: (string)e.Attribute("value")!))
            .ToList();
        Assert.NotEmpty(machineSources);
        return new XDocument(new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "pccl-local"), new XAttribute("value", Feed)),
                machineSources.Select(s => new XElement("add", new XAttribute("key", s.Key), new XAttribute("value", s.Value)))),
            // the machine's package cache, read-only: third-party packages need no download
            new XElement("fallbackPackageFolders",
                new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", Path.Combine(home, ".nuget", "packages")))),
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "pccl-local"),
                    new XElement("package", new XAttribute("pattern", "Pccl")),
                    new XElement("package", new XAttribute("pattern", "Pccl.*"))),
                machineSources.Select(s => new XElement("packageSource", new XAttribute("key", s.Key),
                    new XElement("package", new XAttribute("pattern", "*")))))));
    }
}

/// <summary>The tests that share one <see cref="PackedFeed"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}
