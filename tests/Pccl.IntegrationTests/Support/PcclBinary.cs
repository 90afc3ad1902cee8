namespace Pccl.IntegrationTests.Support;

/// <summary>Finds the repository and the built <c>pccl</c> tool next to this test assembly's build configuration.</summary>
internal static class PcclBinary
{
    /// <summary>The repository root (the folder holding <c>Pccl.slnx</c>).</summary>
    public static string RepositoryRoot { get; } = LocateRoot();

    public static string DllPath { get; } = Locate();

    private static string LocateRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pccl.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"repository root not found above {AppContext.BaseDirectory}");
    }

    private static string Locate()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(RepositoryRoot, "src", "Pccl.Cli", "bin", configuration, "net10.0", "pccl.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the CLI first: {dll} is missing", dll);
    }
}
