using System.Globalization;
using System.Text;

namespace Pccl.Kernel;

/// <summary>
/// Makes text that came from outside (a client's cluster id, a refusal reason quoting it) safe to log and to echo: every
/// control, format or separator character is escaped as <c>\uXXXX</c>, so it cannot start a forged log line, and the
/// text is cut after a bound, so it cannot flood the log. The backslash itself is escaped (<c>\\</c>), so a client
/// cannot send the literal text <c>\u000A</c> and have it read as an escaped newline. Shared vocabulary: the master
/// core, the transport and the API use it.
/// </summary>
internal static class UntrustedText
{
    /// <summary>Longest client-supplied string (after escaping) a log line or a refusal quotes.</summary>
    public const int MaxQuoted = 64;

    /// <summary>Longest refusal reason the master logs.</summary>
    public const int MaxReason = 512;

    /// <summary>
    /// <paramref name="text"/> escaped, and cut after <paramref name="max"/> characters with the original length noted.
    /// <paramref name="backslash"/> false leaves backslashes as they are: only for text whose client-supplied parts were
    /// escaped already where it was put together, which escaping again would garble.
    /// </summary>
    public static string Escape(string text, int max = MaxReason, bool backslash = true)
    {
        var escaped = new StringBuilder(Math.Min(text.Length, max) + 16);
        var consumed = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (escaped.Length >= max)
            {
                break;
            }

            if (backslash && rune.Value == '\\')
            {
                escaped.Append(@"\\");
            }
            else if (IsSafe(rune))
            {
                escaped.Append(rune.ToString());
            }
            else
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
            }

            consumed += rune.Utf16SequenceLength;
        }

        return consumed < text.Length ? $"{escaped}... ({text.Length} characters)" : escaped.ToString();
    }

    /// <summary><paramref name="text"/> escaped, cut after <see cref="MaxQuoted"/> characters, in single quotes.</summary>
    public static string Quote(string text) => $"'{Escape(text, MaxQuoted)}'";

    private static bool IsSafe(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        _ => true,
    };
}
