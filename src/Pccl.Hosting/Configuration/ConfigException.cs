namespace Pccl.Hosting.Configuration;

/// <summary>
/// The configuration is invalid. <see cref="Problems"/> lists every problem found, each prefixed by where
/// the value came from (<c>file:line:col</c>, an environment variable or a flag) and naming the key.
/// </summary>
public sealed class ConfigException : PcclException
{
    /// <summary>Creates the exception from the problems found (at least one).</summary>
    public ConfigException(IReadOnlyList<string> problems)
        : base(PcclErrorCode.InvalidConfiguration, Describe(problems))
    {
        Problems = problems.ToArray();
    }

    /// <summary>Every problem, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(IReadOnlyList<string> problems) => problems.Count == 1
        ? $"Invalid configuration: {problems[0]}"
        : $"Invalid configuration ({problems.Count} problems):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems);
}
