namespace Pccl.Cli;

/// <summary>Collects command-line flags as dotted configuration keys, the last layer of precedence.</summary>
internal sealed class Flags
{
    private readonly Dictionary<string, string> _values = [];

    public Flags Set(string key, object? value)
    {
        if (value is not null)
        {
            _values[key] = value switch
            {
                bool b => b ? "true" : "false",
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
            };
        }

        return this;
    }

    /// <summary>Splits "host:port" into master_host and master_port; a list "m1:7117,m2:7117" goes to master_host whole.</summary>
    public Flags SetMaster(string? endpoint)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            return this;
        }

        if (endpoint.Contains(',', StringComparison.Ordinal))
        {
            return Set("network.master_host", endpoint);
        }

        var colon = endpoint.LastIndexOf(':');
        if (colon > 0 && !endpoint.EndsWith(']'))
        {
            Set("network.master_host", endpoint[..colon].Trim('[', ']'));
            Set("network.master_port", endpoint[(colon + 1)..]);
        }
        else
        {
            Set("network.master_host", endpoint.Trim('[', ']'));
        }

        return this;
    }

    public IReadOnlyDictionary<string, string> Values => _values;
}
