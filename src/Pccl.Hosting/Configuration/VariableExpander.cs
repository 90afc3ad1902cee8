using System.Text;

namespace Pccl.Hosting.Configuration;

/// <summary>
/// Expands <c>${NAME}</c> and <c>${NAME:-default}</c> in a value from the given environment
/// (<c>:-</c> also applies when the variable is empty); <c>$${</c> stands for a literal <c>${</c>.
/// </summary>
internal static class VariableExpander
{
    /// <summary>Returns the expanded text, or null with <paramref name="error"/> naming what is missing.</summary>
    public static string? Expand(string text, IReadOnlyDictionary<string, string> environment, out string? error)
    {
        error = null;
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (string.CompareOrdinal(text, i, "$${", 0, 3) == 0)
            {
                result.Append("${");
                i += 3;
                continue;
            }

            if (string.CompareOrdinal(text, i, "${", 0, 2) != 0)
            {
                result.Append(text[i++]);
                continue;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                error = "'${' is not closed by '}'";
                return null;
            }

            var body = text[(i + 2)..close];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator < 0 ? body : body[..separator];
            if (!IsName(name))
            {
                error = $"'${{{body}}}' does not name an environment variable (letters, digits, '_')";
                return null;
            }

            var value = environment.GetValueOrDefault(name);
            if (separator >= 0 && string.IsNullOrEmpty(value))
            {
                value = body[(separator + 2)..];
            }

            if (value is null)
            {
                error = $"environment variable {name} is not set (set it, or write ${{{name}:-default}})";
                return null;
            }

            result.Append(value);
            i = close + 1;
        }

        return result.ToString();
    }

    private static bool IsName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
