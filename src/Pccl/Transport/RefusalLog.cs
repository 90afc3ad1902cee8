using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Pccl.Transport;

/// <summary>
/// Logs a listener's refused connections as warnings, at most one per <paramref name="quiet"/>: a burst of refusals
/// (a scan, a flood of forged hellos) costs one line, and the next line says how many were not logged. Reasons may
/// quote what a client sent, so they are escaped (control characters) and truncated before they reach the log.
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeSpan quiet)
{
    internal const int MaxReasonChars = 300;

    private readonly Lock _gate = new();
    private long _quietUntil = long.MinValue;
    private long _unlogged;

    public void Refused(IPEndPoint? remote, string reason)
    {
        long unlogged;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (now < _quietUntil)
            {
                _unlogged++;
                return;
            }

            unlogged = _unlogged;
            _unlogged = 0;
            _quietUntil = now + (long)(quiet.TotalSeconds * Stopwatch.Frequency);
        }

        if (unlogged == 0)
        {
            logger.LogWarning("refused a connection from {Remote}: {Reason}", remote, Escape(reason));
        }
        else
        {
            logger.LogWarning("refused a connection from {Remote}: {Reason} ({Unlogged} earlier refusals not logged)", remote, Escape(reason), unlogged);
        }
    }

    /// <summary>Control characters as \uXXXX, cut to <see cref="MaxReasonChars"/> characters.</summary>
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(Math.Min(text.Length, MaxReasonChars) + 16);
        foreach (var c in text)
        {
            if (escaped.Length >= MaxReasonChars)
            {
                return escaped.Append("...").ToString();
            }

            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                escaped.Append($"\\u{(int)c:X4}");
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }
}
