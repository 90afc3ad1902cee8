using System.IO.Compression;
using System.Reflection.Metadata;
using System.Xml.Linq;

namespace Pccl.Hosting.Tests.Packaging;

/// <summary>What <c>dotnet pack</c> put into the packages: metadata, README, docs, symbols, the tool's command.</summary>
[Collection(PackedFeedCollection.Name)]
public class PackageContentTests(PackedFeed feed)
{
    [Theory]
    [InlineData("Pccl", "lib/net10.0/Pccl.Core")]
    [InlineData("Pccl.Hosting", "lib/net10.0/Pccl.Hosting")]
    public void ALibraryPackageCarriesMetadataReadmeDocsAndSymbols(string id, string assembly)
    {
        using var package = ZipFile.OpenRead(feed.PackageFile(id, "nupkg"));
        var metadata = Nuspec(package);
        Assert.Equal(id, Value(metadata, "id"));
        Assert.Equal(feed.Version, Value(metadata, "version"));
        AssertCommonMetadata(package, metadata);
        Assert.NotNull(package.GetEntry(assembly + ".dll"));
        Assert.NotNull(package.GetEntry(assembly + ".xml")); // XML docs for IntelliSense

        using var symbols = ZipFile.OpenRead(feed.PackageFile(id, "snupkg"));
        var pdb = symbols.GetEntry(assembly + ".pdb");
        Assert.NotNull(pdb);
        AssertDeterministicPaths(pdb);
    }

    [Fact]
    public void TheHostingPackageDependsOnTheLibraryOfTheSameVersion()
    {
        using var package = ZipFile.OpenRead(feed.PackageFile("Pccl.Hosting", "nupkg"));
        var metadata = Nuspec(package);
        var dependency = Assert.Single(metadata.Descendants(), e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "Pccl");
        Assert.Equal(feed.Version, (string?)dependency.Attribute("version"));
        Assert.Contains(metadata.Descendants(), e => e.Name.LocalName == "frameworkReference" && (string?)e.Attribute("name") == "Microsoft.AspNetCore.App");
    }

    [Fact]
    public void TheToolPackageInstallsTheCommandPccl()
    {
        using var package = ZipFile.OpenRead(feed.PackageFile("Pccl.Cli", "nupkg"));
        var metadata = Nuspec(package);
        AssertCommonMetadata(package, metadata);
        Assert.Contains(metadata.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
        var settingsEntry = package.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var settingsStream = settingsEntry.Open();
        var command = XDocument.Load(settingsStream).Descendants("Command").Single();
        Assert.Equal("pccl", (string?)command.Attribute("Name"));
        Assert.Equal("pccl.dll", (string?)command.Attribute("EntryPoint"));
        Assert.Contains(package.Entries, e => e.FullName.EndsWith("/any/pccl.dll", StringComparison.Ordinal));
    }

    private static void AssertCommonMetadata(ZipArchive package, XElement metadata)
    {
        var license = metadata.Descendants().Single(e => e.Name.LocalName == "license");
        Assert.Equal("expression", (string?)license.Attribute("type"));
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.NotNull(package.GetEntry("README.md"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "authors")));
        var repository = metadata.Descendants().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("git", (string?)repository.Attribute("type"));
        Assert.StartsWith("https://", (string?)repository.Attribute("url"), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? ""); // the commit the package was built from
    }

    /// <summary>A CI build maps source paths to <c>/_/</c>: the PDB does not depend on where the repository was cloned.</summary>
    private static void AssertDeterministicPaths(ZipArchiveEntry pdb)
    {
        using var stream = new MemoryStream();
        using (var entry = pdb.Open())
        {
            entry.CopyTo(stream);
        }

        stream.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
        var reader = provider.GetMetadataReader();
        var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.NotEmpty(documents);
        Assert.All(documents.Where(d => !d.EndsWith(".g.cs", StringComparison.Ordinal) && !d.Contains("/obj/", StringComparison.Ordinal)),
            d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
    }

    private static XElement Nuspec(ZipArchive package)
    {
        var entry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = entry.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string? Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
}
