using Pccl.Hosting.Configuration;

namespace Pccl.Tests.Configuration;

/// <summary>Runs the loader on YAML text as if it were the file <c>test.yaml</c>.</summary>
internal static class ConfigHarness
{
    public const string FileName = "test.yaml";

    public static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public static (PcclConfig Config, IReadOnlyList<string> Problems) Evaluate(
        string yaml, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyDictionary<string, string>? flags = null)
    {
        var problems = new ConfigProblems();
        var config = ConfigLoader.Evaluate(FileName, yaml, environment ?? Empty, flags, problems);
        return (config, problems.Items);
    }

    public static PcclConfig Valid(string yaml, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyDictionary<string, string>? flags = null)
    {
        var (config, problems) = Evaluate(yaml, environment, flags);
        Assert.Empty(problems);
        return config;
    }

    /// <summary>The single problem the text has.</summary>
    public static string OneProblem(string yaml, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyDictionary<string, string>? flags = null)
    {
        var (_, problems) = Evaluate(yaml, environment, flags);
        return Assert.Single(problems);
    }

    public static string RepositoryFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pccl.slnx")))
            {
                return Path.Combine(dir.FullName, relativePath);
            }
        }

        throw new InvalidOperationException("repository root (Pccl.slnx) not found above " + AppContext.BaseDirectory);
    }
}
