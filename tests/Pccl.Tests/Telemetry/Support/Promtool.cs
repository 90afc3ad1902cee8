using System.Diagnostics;

namespace Pccl.Tests.Telemetry.Support;

/// <summary>Runs Prometheus's promtool; a missing promtool fails the test (scripts/ensure-test-deps.sh installs it).</summary>
internal static class Promtool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var path = Locate();
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var cancellationToken = TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Locate()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "promtool"))
            .Append("/usr/bin/promtool");
        return candidates.FirstOrDefault(File.Exists)
               ?? throw new InvalidOperationException(
                   "promtool is not installed (not on PATH nor /usr/bin/promtool); run scripts/ensure-test-deps.sh " +
                   "or install the Debian package 'prometheus'.");
    }
}
