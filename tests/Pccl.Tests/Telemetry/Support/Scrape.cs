using System.Globalization;

namespace Pccl.Tests.Telemetry.Support;

/// <summary>One parsed Prometheus text exposition: series (name plus labels, as written) to value.</summary>
internal sealed class Scrape
{
    private Scrape(string text, Dictionary<string, double> series)
    {
        Text = text;
        Series = series;
    }

    public string Text { get; }

    public IReadOnlyDictionary<string, double> Series { get; }

    public static async Task<Scrape> FetchAsync(HttpClient http, Uri baseAddress, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(baseAddress, "metrics"), cancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        return Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public static Scrape Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var split = line.LastIndexOf(' ');
            series[line[..split]] = double.Parse(line[(split + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return new Scrape(text, series);
    }

    /// <summary>The value of one series, failing with the exposition text when it is missing.</summary>
    public double Value(string seriesName)
    {
        Assert.True(Series.TryGetValue(seriesName, out var value), $"series '{seriesName}' missing from:\n{Text}");
        return value;
    }

    /// <summary>The type a <c># TYPE</c> line declares for a family.</summary>
    public string? TypeOf(string family) =>
        Text.Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith($"# TYPE {family} ", StringComparison.Ordinal))
            .Select(l => l[($"# TYPE {family} ".Length)..])
            .FirstOrDefault();
}
