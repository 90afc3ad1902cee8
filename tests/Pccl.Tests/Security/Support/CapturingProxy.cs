using System.Net;
using System.Net.Sockets;

namespace Pccl.Tests.Security.Support;

/// <summary>
/// A TCP proxy that forwards every connection to a target and keeps a copy of the bytes each client sent: what
/// anyone on the network path would see.
/// </summary>
internal sealed class CapturingProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _clientBytes = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;

    public CapturingProxy(IPEndPoint listen, IPEndPoint target)
    {
        _target = target;
        _listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(listen);
        _listener.Listen(16);
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public int Connections { get; private set; }

    /// <summary>Everything clients sent so far, connections concatenated.</summary>
    public byte[] ClientBytes()
    {
        lock (_clientBytes)
        {
            return _clientBytes.ToArray();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await server.ConnectAsync(_target, _stop.Token);
            client.NoDelay = true;
            Connections++;
            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, capture: true));
                _pumps.Add(PumpAsync(server, client, capture: false));
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool capture)
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (capture)
                {
                    lock (_clientBytes)
                    {
                        _clientBytes.Write(buffer, 0, read);
                    }
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
