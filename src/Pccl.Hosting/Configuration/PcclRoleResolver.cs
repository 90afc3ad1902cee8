namespace Pccl.Hosting.Configuration;

/// <summary>Resolves the role of a <c>pccl</c> process started without a verb from <c>PCCL_ROLE</c>.</summary>
public static class PcclRoleResolver
{
    /// <summary>The variable's name.</summary>
    public const string EnvironmentVariable = "PCCL_ROLE";

    private static readonly string[] Names = ["master", "worker"];

    /// <summary>The role <c>PCCL_ROLE</c> names, or null when it is not set.</summary>
    /// <exception cref="ConfigException">The variable is set to something other than master or worker.</exception>
    public static PcclRole? FromEnvironment(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue(EnvironmentVariable, out var value) ? Parse(value) : null;

    /// <summary>Parses <c>master</c> or <c>worker</c> (any case).</summary>
    /// <exception cref="ConfigException">Anything else.</exception>
    public static PcclRole Parse(string value)
    {
        switch (value.Trim().ToUpperInvariant())
        {
            case "MASTER":
                return PcclRole.Master;
            case "WORKER":
                return PcclRole.Worker;
        }

        var suggestion = KeySuggester.Suggest(value.Trim(), Names);
        var problem = value.Trim().Length == 0
            ? "is empty; set it to master or worker"
            : $"'{value}' is not a role; set it to master or worker" + (suggestion is null ? "" : $" (did you mean '{suggestion}'?)");
        throw new ConfigException([$"{new EnvironmentOrigin(EnvironmentVariable)}: {problem}"]);
    }
}
