namespace Pccl.Hosting.Configuration;

/// <summary>What <c>pccl config validate FILE</c> reports.</summary>
public static class ConfigValidator
{
    /// <summary>
    /// Every problem of the file together with the <c>PCCL_*</c> overrides in <paramref name="environment"/>,
    /// one line each as <c>file:line:col: key '...': ...</c>; empty when the configuration is valid.
    /// </summary>
    public static IReadOnlyList<string> Validate(string path, IReadOnlyDictionary<string, string> environment)
    {
        var problems = new ConfigProblems();
        ConfigLoader.Evaluate(path, null, environment, null, problems);
        return problems.Items;
    }
}
