using System.Diagnostics;
using System.Text.Json;

namespace Pccl.Cli.Bench;

/// <summary>
/// Reads the result lines of a bench's worker processes to their end. A worker that fails ends the run: the others are
/// killed (they would wait for the lost peer's place in the world forever) and the first failure is reported.
/// </summary>
internal static class BenchWorkerOutputs
{
    /// <summary>Every worker's results; null when one failed (its error is on standard error, naming <paramref name="bench"/>).</summary>
    public static async Task<List<WorkerResult>?> CollectAsync(IReadOnlyList<Process> workers, string bench, CancellationToken ct)
    {
        InvalidOperationException? firstFailure = null;
        var outputs = workers.Select(async p =>
        {
            var results = new List<WorkerResult>();
            while (await p.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith('{') && JsonSerializer.Deserialize(line, BenchJson.Default.WorkerResult) is { } r)
                {
                    results.Add(r);
                }
            }

            var errors = await p.StandardError.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            if (p.ExitCode != 0)
            {
                var failure = new InvalidOperationException($"bench worker exited with {p.ExitCode}: {errors.Trim()}");
                if (Interlocked.CompareExchange(ref firstFailure, failure, null) is null)
                {
                    foreach (var other in workers.Where(w => w != p && !w.HasExited))
                    {
                        other.Kill();
                    }
                }

                throw failure;
            }

            return results;
        }).ToList();
        try
        {
            return [.. (await Task.WhenAll(outputs)).SelectMany(r => r)];
        }
        catch (InvalidOperationException) when (firstFailure is not null)
        {
            // the cause, not a worker killed because of it
            await Console.Error.WriteLineAsync($"pccl bench {bench}: {firstFailure.Message}");
            return null;
        }
    }

    /// <summary>Kills the workers still running and releases every one.</summary>
    public static void Release(IEnumerable<Process> workers)
    {
        foreach (var p in workers)
        {
            if (!p.HasExited)
            {
                p.Kill();
            }

            p.Dispose();
        }
    }
}
