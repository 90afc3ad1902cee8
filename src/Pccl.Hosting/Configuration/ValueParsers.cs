using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Pccl.Hosting.Configuration;

/// <summary>Turns raw text into typed values, refusing wrong types and impossible values with a reason.</summary>
internal static class ValueParsers
{
    private static readonly (string Name, LogLevel Level)[] LogLevels =
    [
        ("TRACE", LogLevel.Trace), ("DEBUG", LogLevel.Debug), ("INFO", LogLevel.Information),
        ("WARN", LogLevel.Warning), ("ERROR", LogLevel.Error),
    ];

    public static Func<RawValue, ParseOutcome> Int32(int min, int max = int.MaxValue) => raw =>
        Convert(ParseInteger(raw, min, max), value => (int)value);

    public static Func<RawValue, ParseOutcome> Int64(long min) => raw =>
        Convert(ParseInteger(raw, min, long.MaxValue), value => value);

    public static Func<RawValue, ParseOutcome> UInt32() => raw =>
        Convert(ParseInteger(raw, 0, uint.MaxValue), value => (uint)value);

    /// <summary>The word <c>auto</c> (any case) for null, or an integer in [min, max].</summary>
    public static Func<RawValue, ParseOutcome> AutoOrInt32(int min, int max) => raw =>
        raw.Items is null && string.Equals(raw.Text?.Trim(), "auto", StringComparison.OrdinalIgnoreCase)
            ? ParseOutcome.Ok(null)
            : Scalar(raw, $"auto or an integer from {min} to {max}", text =>
                long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                    ? value >= min && value <= max ? ParseOutcome.Ok((int)value) : ParseOutcome.Fail($"must be auto or between {min} and {max}, got {value}")
                    : ParseOutcome.Fail($"must be auto or an integer from {min} to {max}, got '{text}'"));

    public static ParseOutcome Boolean(RawValue raw) => Scalar(raw, "true or false", text =>
        text.Trim().ToUpperInvariant() switch
        {
            "TRUE" => ParseOutcome.Ok(true),
            "FALSE" => ParseOutcome.Ok(false),
            _ => ParseOutcome.Fail($"must be true or false, got '{text}'"),
        });

    public static ParseOutcome RequiredText(RawValue raw) => Scalar(raw, "a non-empty string", text =>
        string.IsNullOrWhiteSpace(text) ? ParseOutcome.Fail("must not be empty") : ParseOutcome.Ok(text));

    public static ParseOutcome Text(RawValue raw) => raw.Items is not null
        ? ParseOutcome.Fail("must be a single value, got a list")
        : ParseOutcome.Ok(raw.Text ?? "");

    /// <summary>Null or empty means unset.</summary>
    public static ParseOutcome OptionalText(RawValue raw) => raw.Items is not null
        ? ParseOutcome.Fail("must be a single value, got a list")
        : ParseOutcome.Ok(string.IsNullOrEmpty(raw.Text) ? null : raw.Text);

    /// <summary>
    /// A log file path; null, empty or the word <c>none</c> means no file (the console only), whichever source says it:
    /// a file literally named "none" would be an odd log, and <c>--log-file none</c> must mean the same as the variable.
    /// </summary>
    public static ParseOutcome LogFile(RawValue raw)
    {
        var outcome = OptionalText(raw);
        return outcome.Value is "none" ? ParseOutcome.Ok(null) : outcome;
    }

    public static ParseOutcome Host(RawValue raw) => Scalar(raw, "a host name or IP address", text =>
        Uri.CheckHostName(text.Trim()) == UriHostNameType.Unknown
            ? ParseOutcome.Fail($"must be a host name or IP address, got '{text}'")
            : ParseOutcome.Ok(text.Trim()));

    /// <summary>
    /// One master (<c>host</c> or <c>host:port</c>) or several, comma-separated or as a YAML list; the value is the
    /// entries joined by commas (<see cref="MasterEndpoint.ParseList"/> reads it with <c>network.master_port</c>).
    /// </summary>
    public static ParseOutcome MasterHosts(RawValue raw)
    {
        var items = (raw.Items ?? (raw.Text ?? "").Split(',')).Select(item => item.Trim()).ToArray();
        if (items.All(item => item.Length == 0))
        {
            return ParseOutcome.Fail("must name the master, or several separated by commas: m1:7117,m2:7117");
        }

        if (items.Length == 1 && !items[0].Contains(':', StringComparison.Ordinal))
        {
            return Host(new RawValue(items[0]));
        }

        var errors = new List<string>();
        foreach (var item in items)
        {
            try
            {
                MasterEndpoint.Parse(item, 1);
            }
            catch (FormatException e)
            {
                errors.Add(item.Length == 0 ? "an entry of the list is empty" : e.Message);
            }
        }

        return errors.Count > 0
            ? ParseOutcome.Fail(string.Join("; ", errors) + " (write masters as host[:port] separated by commas, e.g. m1:7117,m2:7117)")
            : ParseOutcome.Ok(string.Join(",", items));
    }

    /// <summary>A host name or IP address; empty or absent means unset (null).</summary>
    public static ParseOutcome OptionalHost(RawValue raw) => string.IsNullOrWhiteSpace(raw.Text) && raw.Items is null
        ? ParseOutcome.Ok(null)
        : Host(raw);

    public static ParseOutcome Address(RawValue raw) => Scalar(raw, "an IP address such as 0.0.0.0", text =>
        IPAddress.TryParse(text.Trim(), out _)
            ? ParseOutcome.Ok(text.Trim())
            : ParseOutcome.Fail($"must be an IP address such as 0.0.0.0, got '{text}'"));

    public static ParseOutcome Ports(RawValue raw) => Scalar(raw, "a port range such as 7118-7150", text =>
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length > 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            return ParseOutcome.Fail($"must be a port range such as 7118-7150, got '{text}'");
        }

        if (first is < 1 or > 65535 || last is < 1 or > 65535)
        {
            return ParseOutcome.Fail($"ports must be between 1 and 65535, got '{text}'");
        }

        return first > last
            ? ParseOutcome.Fail($"the first port must not exceed the last, got '{text}'")
            : ParseOutcome.Ok(new PortRange(first, last));
    });

    public static ParseOutcome Level(RawValue raw) => Scalar(raw, "one of TRACE, DEBUG, INFO, WARN, ERROR", text =>
    {
        foreach (var (name, level) in LogLevels)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return ParseOutcome.Ok(level);
            }
        }

        return ParseOutcome.Fail($"must be one of TRACE, DEBUG, INFO, WARN, ERROR, got '{text}'");
    });

    public static ParseOutcome TopologyOptimization(RawValue raw) => Scalar(raw, "off or on_world_change", text => text.Trim().ToLowerInvariant() switch
    {
        "off" => ParseOutcome.Ok(Configuration.TopologyOptimization.Off),
        "on_world_change" => ParseOutcome.Ok(Configuration.TopologyOptimization.OnWorldChange),
        _ => ParseOutcome.Fail($"must be off or on_world_change, got '{text}'"),
    });

    public static ParseOutcome LogConsole(RawValue raw) => Scalar(raw, "stderr, stdout or off", text => text.Trim().ToLowerInvariant() switch
    {
        "stderr" => ParseOutcome.Ok(Logging.LogConsole.StandardError),
        "stdout" => ParseOutcome.Ok(Logging.LogConsole.StandardOutput),
        "off" => ParseOutcome.Ok(Logging.LogConsole.Off),
        _ => ParseOutcome.Fail($"must be stderr, stdout or off, got '{text}'"),
    });

    /// <summary>A YAML sequence or a comma-separated list of CIDR networks; a bare address is one host.</summary>
    public static ParseOutcome Networks(RawValue raw)
    {
        var items = raw.Items ?? (raw.Text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var networks = new List<IPNetwork>(items.Count);
        var errors = new List<string>();
        foreach (var item in items)
        {
            if (TryParseNetwork(item.Trim(), out var network, out var error))
            {
                networks.Add(network);
            }
            else
            {
                errors.Add(error);
            }
        }

        return errors.Count > 0 ? ParseOutcome.Fail(string.Join("; ", errors)) : ParseOutcome.Ok(networks.ToArray());
    }

    private static bool TryParseNetwork(string text, out IPNetwork network, out string error)
    {
        network = default;
        error = $"'{text}' is not a network such as 10.0.0.0/8";
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address))
        {
            return false;
        }

        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxPrefix))
        {
            error = $"'{text}' has an invalid prefix length (0..{maxPrefix})";
            return false;
        }

        var masked = Mask(address, prefix);
        if (!masked.Equals(address))
        {
            error = $"'{text}' has host bits set (did you mean '{masked}/{prefix}'?)";
            return false;
        }

        network = new IPNetwork(address, prefix);
        return true;
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }

    private static ParseOutcome ParseInteger(RawValue raw, long min, long max) => Scalar(raw, "an integer", text =>
    {
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return ParseOutcome.Fail($"must be an integer, got '{text}'");
        }

        if (value >= min && value <= max)
        {
            return ParseOutcome.Ok(value);
        }

        return ParseOutcome.Fail(max is int.MaxValue or long.MaxValue
            ? $"must be at least {min}, got {value}"
            : $"must be between {min} and {max}, got {value}");
    });

    private static ParseOutcome Convert(ParseOutcome outcome, Func<long, object> convert) =>
        outcome.Error is null ? ParseOutcome.Ok(convert((long)outcome.Value!)) : outcome;

    /// <summary>master.store: the form is checked here; whether the store can be reached, when the master starts.</summary>
    public static ParseOutcome StoreUrl(RawValue raw) => Scalar(raw, "memory, sqlite:PATH or postgresql://user@host:port/database", text =>
        text == "memory" || (text.StartsWith("sqlite:", StringComparison.Ordinal) && text.Length > "sqlite:".Length)
            || text.StartsWith("postgresql://", StringComparison.Ordinal) || text.StartsWith("postgres://", StringComparison.Ordinal)
            ? ParseOutcome.Ok(text)
            : ParseOutcome.Fail("must be memory, sqlite:PATH or postgresql://user[:password]@host[:port]/database, got " +
                (text.Contains('@', StringComparison.Ordinal) ? "a value that is none of these" : $"'{text}'")));

    private static ParseOutcome Scalar(RawValue raw, string expected, Func<string, ParseOutcome> parse)
    {
        if (raw.Items is not null)
        {
            return ParseOutcome.Fail($"must be {expected}, got a list");
        }

        return string.IsNullOrEmpty(raw.Text) ? ParseOutcome.Fail($"must be {expected}, got nothing") : parse(raw.Text);
    }
}
