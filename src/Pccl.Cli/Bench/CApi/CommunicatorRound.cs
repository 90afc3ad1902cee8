using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Processes;

namespace Pccl.Cli.Bench.CApi;

/// <summary>
/// One round of the managed side: <c>pccl bench allreduce</c> as a child process with the same peers, sizes and
/// iterations, unbound like the C peers, buffer backup as on the C side; per size its median (ms), the slowest peer per iteration.
/// </summary>
internal static class CommunicatorRound
{
    public static async Task<Dictionary<long, double>> RunAsync(CApiBenchSettings settings, CancellationToken ct)
    {
        using var bench = SelfLauncher.Start([
            "bench", "allreduce", "--peers", settings.Peers.ToString(CultureInfo.InvariantCulture),
            "--sizes", string.Join(',', settings.Sizes.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            "--iterations", settings.Iterations.ToString(CultureInfo.InvariantCulture), "--warmup", settings.Warmup.ToString(CultureInfo.InvariantCulture),
            "--bind-to", "none", "--json", .. (settings.Backup ? (string[])["--backup"] : [])], environment: CApiRound.Environment(settings));
        var output = bench.StandardOutput.ReadToEndAsync(ct);
        var errors = bench.StandardError.ReadToEndAsync(ct);
        await bench.WaitForExitAsync(ct);
        if (bench.ExitCode != 0)
        {
            throw new PcclException(PcclErrorCode.Aborted, $"pccl bench allreduce exited with {bench.ExitCode}: {(await errors).Trim()}");
        }

        var medians = new Dictionary<long, double>();
        foreach (var line in (await output).Split('\n').Where(l => l.StartsWith('{')))
        {
            var result = JsonSerializer.Deserialize(line, BenchJson.Default.SizeResult)!;
            if (!result.Correct)
            {
                throw new PcclException(PcclErrorCode.Aborted, $"pccl bench allreduce reported a wrong sum at {result.Bytes} bytes");
            }

            medians[result.Bytes] = result.MedianSeconds * 1e3;
        }

        return medians;
    }
}
