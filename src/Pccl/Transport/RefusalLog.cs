using System.Net;
using Microsoft.Extensions.Logging;
using Pccl.Kernel;
using Pccl.Telemetry;

namespace Pccl.Transport;

/// <summary>
/// Logs the connections a listener turns away (refused in the handshake; on the master also those kicked before they
/// registered), escaped and bounded, at most <paramref name="burst"/> lines per <paramref name="window"/>; the rest are
/// counted and summed up in one line once the window has ended (on <see cref="Flush"/>, or with the next refusal), so
/// a client that is turned away in a loop cannot flood the log.
/// </summary>
internal sealed class RefusalLog(ILogger logger, int burst, TimeSpan window)
{
    private readonly Lock _lock = new();
    private long _windowStart = Environment.TickCount64;
    private int _logged;
    private int _suppressed;

    /// <summary>Logs one handshake refusal, or counts it when this window's lines are spent.</summary>
    public void NoteRefusal(IPEndPoint? remote, string reason)
    {
        if (TakeLine())
        {
            logger.ConnectionRefused(remote, UntrustedText.Escape(reason, backslash: false));
        }
    }

    /// <summary>Logs one kick of a connection that never registered, or counts it when this window's lines are spent.</summary>
    public void NoteUnregisteredKick(string address, string detail)
    {
        if (TakeLine())
        {
            logger.UnregisteredConnectionClosed(address, UntrustedText.Escape(detail, backslash: false));
        }
    }

    private bool TakeLine()
    {
        lock (_lock)
        {
            RollWindow();
            if (_logged >= burst)
            {
                _suppressed++;
                return false;
            }

            _logged++;
            return true;
        }
    }

    /// <summary>Ends the window when it is over, writing the count of refusals it did not log.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            RollWindow();
        }
    }

    private void RollWindow()
    {
        var now = Environment.TickCount64;
        if (now - _windowStart < (long)window.TotalMilliseconds)
        {
            return;
        }

        if (_suppressed > 0)
        {
            logger.RefusalsSuppressed(
                _suppressed, (now - _windowStart) / 1000.0, burst);
        }

        _windowStart = now;
        _logged = 0;
        _suppressed = 0;
    }
}
