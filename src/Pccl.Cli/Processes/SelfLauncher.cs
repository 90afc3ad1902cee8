using System.Diagnostics;

namespace Pccl.Cli.Processes;

/// <summary>Starts another copy of this tool (the demo's and the benchmarks' workers are separate processes).</summary>
internal static class SelfLauncher
{
    public static Process Start(IEnumerable<string> arguments, bool redirectOutput = true, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = redirectOutput,
            UseShellExecute = false,
        };
        var host = Environment.ProcessPath!;
        info.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(typeof(SelfLauncher).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start a pccl process");
    }
}
