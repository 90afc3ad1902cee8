namespace Pccl.NativeTests.Support;

/// <summary>Paths in the repository the tests run from: the C API's header, the build script, the C and Python sources.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Header => Path.Combine(Root, "include", "pccl.h");

    public static string CSource(string name) => Path.Combine(Root, "tests", "Pccl.NativeTests", "c", name);

    public static string BenchSource(string name) => Path.Combine(Root, "bench", "c-api", name);

    public static string PythonSource(string name) => Path.Combine(Root, "tests", "Pccl.NativeTests", "python", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pccl.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Pccl.slnx above {AppContext.BaseDirectory}");
    }
}
