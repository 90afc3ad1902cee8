using System.Diagnostics;

namespace Pccl.Cli.Wan;

/// <summary>Runs iproute2's <c>ip</c> (namespaces, addresses, links) and returns its output; a failure names the command.</summary>
internal static class IpCommand
{
    public static string Run(params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start ip (iproute2)");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? stdout
            : throw new PcclException(PcclErrorCode.InvalidArgument,
                $"'ip {string.Join(' ', arguments)}' exited {process.ExitCode}: {stderr.Result.Trim()} (the WAN emulator needs root and iproute2)");
    }
}
