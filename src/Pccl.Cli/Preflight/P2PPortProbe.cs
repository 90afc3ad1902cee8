using System.Net;
using System.Net.Sockets;

namespace Pccl.Cli.Preflight;

/// <summary>
/// The p2p half of preflight: binds the first free port of the range as a peer's listener would, and waits for the
/// master's dial-back to write the nonce there, which proves the port is reachable from outside this host.
/// </summary>
internal sealed class P2PPortProbe : IDisposable
{
    private readonly Socket _listener;

    private P2PPortProbe(Socket listener) => _listener = listener;

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>The bound probe, or the last bind error when no port of the range is free.</summary>
    public static (P2PPortProbe? Probe, string? Error) Bind(string bindAddress, PortRange range)
    {
        var address = IPAddress.Parse(bindAddress);
        var error = "empty range";
        for (var port = range.First; port <= range.Last; port++)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(4);
                return (new P2PPortProbe(socket), null);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                error = e.SocketErrorCode.ToString();
            }
        }

        return (null, error);
    }

    /// <summary>Whether a connection arrives within <paramref name="timeout"/> and carries exactly <paramref name="nonce"/>.</summary>
    public async Task<bool> ReceivesAsync(byte[] nonce, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                using var accepted = await _listener.AcceptAsync(deadline.Token).ConfigureAwait(false);
                var received = new byte[nonce.Length];
                var read = 0;
                while (read < received.Length)
                {
                    var n = await accepted.ReceiveAsync(received.AsMemory(read), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }

                if (read == nonce.Length && received.AsSpan().SequenceEqual(nonce))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    public void Dispose() => _listener.Dispose();
}
