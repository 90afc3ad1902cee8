using System.Diagnostics;

namespace Pccl.Cli.Bench.CApi;

/// <summary>
/// What <c>pccl bench c-api</c> runs on the C side: <c>libpccl.so</c> and the two C programs compiled with gcc against
/// <c>include/pccl.h</c> and linked to it (<c>bench/c-api/allreduce.c</c>, a peer; <c>tests/Pccl.NativeTests/c/master.c</c>,
/// a master), all from a checkout of this repository.
/// </summary>
internal sealed record CApiPrograms(string Library, string Peer, string Master)
{
    private static readonly string[] Sources = ["include/pccl.h", "bench/c-api/allreduce.c", "tests/Pccl.NativeTests/c/master.c"];

    /// <summary>
    /// Finds the checkout above the current directory, checks for gcc and <paramref name="libraryDirectory"/>'s
    /// <c>libpccl.so</c> (default <c>artifacts/native</c> of the checkout), and compiles the programs into
    /// <c>artifacts/bench/c-api</c>; each missing piece is an error that says what to run.
    /// </summary>
    public static async Task<CApiPrograms> BuildAsync(string? libraryDirectory, CancellationToken ct)
    {
        var root = FindCheckout(Directory.GetCurrentDirectory())
            ?? throw new PcclException(PcclErrorCode.InvalidArgument,
                $"pccl bench c-api compiles C sources of the repository ({string.Join(", ", Sources)}): run it inside a checkout of PCCL for .NET");
        var directory = Path.GetFullPath(libraryDirectory ?? Path.Combine(root, "artifacts", "native"));
        var library = Path.Combine(directory, "libpccl.so");
        if (!File.Exists(library))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"{library} is missing: build it with scripts/build-native.sh{(libraryDirectory is null ? "" : $" {libraryDirectory}")}, or name its folder with --native DIR");
        }

        var output = Path.Combine(root, "artifacts", "bench", "c-api");
        Directory.CreateDirectory(output);
        var programs = new CApiPrograms(library, Path.Combine(output, "allreduce"), Path.Combine(output, "master"));
        await CompileAsync(root, directory, Path.Combine(root, Sources[1]), programs.Peer, ct);
        await CompileAsync(root, directory, Path.Combine(root, Sources[2]), programs.Master, ct);
        return programs;
    }

    private static string? FindCheckout(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (Sources.All(source => File.Exists(Path.Combine(directory.FullName, source))))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static async Task CompileAsync(string root, string libraryDirectory, string source, string program, CancellationToken ct)
    {
        var info = new ProcessStartInfo("gcc") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", Path.Combine(root, "include"),
                     "-I", Path.Combine(root, "tests", "Pccl.NativeTests", "c"), "-o", program, source,
                     "-L", libraryDirectory, "-lpccl", $"-Wl,-rpath,{libraryDirectory}"])
        {
            info.ArgumentList.Add(argument);
        }

        Process gcc;
        try
        {
            gcc = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, "gcc is needed to compile the C side of pccl bench c-api (apt-get install gcc)");
        }

        using (gcc)
        {
            var errors = gcc.StandardError.ReadToEndAsync(ct);
            await gcc.StandardOutput.ReadToEndAsync(ct);
            await gcc.WaitForExitAsync(ct);
            if (gcc.ExitCode != 0)
            {
                throw new PcclException(PcclErrorCode.InvalidArgument, $"gcc could not compile {source}: {(await errors).Trim()}");
            }
        }
    }
}
