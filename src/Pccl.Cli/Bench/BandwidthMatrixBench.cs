using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pccl.Cli.Bench;

/// <summary>
/// <c>pccl bench matrix</c>: reads a running master's <c>/status</c> and prints each group's measured bandwidth matrix
/// (Mbit/s, peers in ring order), optionally drawing it as a heat map.
/// </summary>
internal static class BandwidthMatrixBench
{
    public static async Task<int> RunAsync(string url, string? plot, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var status) || status.Scheme is not ("http" or "https"))
        {
            await Console.Error.WriteLineAsync($"--status must be an http(s) URL of a master's /status, such as http://127.0.0.1:9090/status; got '{url}'").ConfigureAwait(false);
            return 2;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var document = JsonDocument.Parse(await http.GetStringAsync(status, ct).ConfigureAwait(false));
        var groups = MasterBandwidth.FromStatus(document.RootElement);
        foreach (var group in groups)
        {
            Console.Out.Write(Table(group));
        }

        if (plot is not null)
        {
            foreach (var group in groups.Where(g => g.Ring.Count > 0))
            {
                var path = groups.Count == 1 ? plot : Path.ChangeExtension(plot, $".group{group.Group}{Path.GetExtension(plot)}");
                BandwidthHeatMap.Save(group, path);
                Console.Out.WriteLine($"wrote {path}");
            }
        }

        return 0;
    }

    private static string Table(MasterBandwidth group)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"group {group.Group}, ring {string.Join(" ", group.Ring)} (Mbit/s, row sends to column; - not measured, x unusable)");
        text.Append("from\\to".PadLeft(8));
        foreach (var to in group.Ring)
        {
            text.Append(CultureInfo.InvariantCulture, $"{to,10}");
        }

        text.AppendLine();
        foreach (var from in group.Ring)
        {
            text.Append(CultureInfo.InvariantCulture, $"{from,8}");
            foreach (var to in group.Ring)
            {
                var cell = from == to ? "" : group.MbitPerSecond(from, to) switch
                {
                    null => "-",
                    0 => "x",
                    var mbit => mbit.Value.ToString("0.0", CultureInfo.InvariantCulture),
                };
                text.Append(CultureInfo.InvariantCulture, $"{cell,10}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
