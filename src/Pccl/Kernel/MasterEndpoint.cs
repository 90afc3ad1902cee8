using System.Globalization;

namespace Pccl;

/// <summary>One master a peer may reach: a host name or address (a DNS name may stand for several masters) and its control port.</summary>
public sealed record MasterEndpoint(string Host, int Port)
{
    /// <summary>
    /// Parses a comma-separated list such as <c>m1:7117,m2:7117</c>; an entry without a port gets <paramref name="defaultPort"/>.
    /// IPv6 addresses with a port are written in brackets (<c>[::1]:7117</c>). Throws <see cref="FormatException"/>
    /// naming the entry that is not an endpoint.
    /// </summary>
    public static IReadOnlyList<MasterEndpoint> ParseList(string text, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = text.Split(',', StringSplitOptions.TrimEntries);
        if (entries.All(string.IsNullOrEmpty))
        {
            throw new FormatException("the list of masters is empty: name at least one host, e.g. m1:7117,m2:7117");
        }

        return [.. entries.Select(entry => Parse(entry, defaultPort))];
    }

    /// <summary>Parses <c>host</c>, <c>host:port</c> or <c>[v6]:port</c>; <see cref="FormatException"/> names what is wrong.</summary>
    public static MasterEndpoint Parse(string entry, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = entry.Trim();
        var host = text;
        var port = defaultPort;
        var colon = text.LastIndexOf(':');
        var bracketed = text.StartsWith('[');
        if (colon > 0 && (bracketed ? text.IndexOf("]:", StringComparison.Ordinal) == colon - 1 : text.IndexOf(':') == colon))
        {
            host = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                throw new FormatException($"'{entry}' has port '{text[(colon + 1)..]}': a port is a number from 1 to 65535");
            }
        }

        host = host.Trim('[', ']');
        if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            throw new FormatException($"'{entry}' is not a host name or IP address with an optional :port");
        }

        return new MasterEndpoint(host, port);
    }

    /// <inheritdoc/>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
