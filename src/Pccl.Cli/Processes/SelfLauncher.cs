using System.Diagnostics;

namespace Pccl.Cli.Processes;

/// <summary>Starts another copy of this tool (the demo's and the benchmarks' workers are separate processes).</summary>
internal static class SelfLauncher
{
    /// <param name="networkNamespace">a namespace of <c>ip netns</c> to run it in (the WAN emulator's sites); null: this one</param>
    /// <param name="executable">a binary that takes this tool's command line in its place (the NativeAOT bench worker); null: this tool</param>
    public static Process Start(IEnumerable<string> arguments, bool redirectOutput = true, IReadOnlyDictionary<string, string>? environment = null, string? networkNamespace = null,
        string? executable = null)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = redirectOutput,
            UseShellExecute = false,
        };
        var host = executable ?? Environment.ProcessPath!;
        info.FileName = host;
        if (networkNamespace is not null)
        {
            info.FileName = "ip";
            foreach (var argument in (string[])["netns", "exec", networkNamespace, host])
            {
                info.ArgumentList.Add(argument);
            }
        }

        if (executable is null && Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(typeof(SelfLauncher).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (redirectOutput)
        {
            // The caller reads the child's log lines on standard error and its results on standard output, whatever
            // console stream this process was given (the container image sets stdout).
            info.Environment["PCCL_LOGGING_CONSOLE"] = "stderr";
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start a pccl process");
    }
}
