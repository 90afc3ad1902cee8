namespace Pccl.IntegrationTests.Support;

/// <summary>Finds the built <c>pccl</c> tool next to this test assembly's build configuration.</summary>
internal static class PcclBinary
{
    public static string DllPath { get; } = Locate();

    private static string Locate()
    {
        var baseDir = AppContext.BaseDirectory;
        var configuration = baseDir.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dir = new DirectoryInfo(baseDir);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pccl.slnx")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException($"repository root not found above {baseDir}");
        }

        var dll = Path.Combine(dir.FullName, "src", "Pccl.Cli", "bin", configuration, "net10.0", "pccl.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the CLI first: {dll} is missing", dll);
    }
}
