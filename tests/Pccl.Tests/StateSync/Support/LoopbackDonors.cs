using System.Net;
using System.Net.Sockets;
using Pccl.Operations.StateSync;
using Pccl.Protocol.Messages;
using Pccl.Tests.Support;

namespace Pccl.Tests.StateSync.Support;

/// <summary>
/// Donors for a <see cref="StateFetcher"/> without a communicator: each STATE connection is a real loopback TCP pair
/// whose far end runs <see cref="StateBlockServer"/> on that donor's source. A donor's hook runs before each block it
/// sends, on any of its connections; throwing from it closes that connection, as a dying donor would.
/// </summary>
internal sealed class LoopbackDonors : IAsyncDisposable
{
    public const ulong ReceiverId = 100;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Dictionary<ulong, (StateSource Source, Func<CancellationToken, ValueTask>? Hook)> _donors = [];
    private readonly List<Task> _serving = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _pairing = new(1, 1);
    private int _connectsAsked;

    public LoopbackDonors() => _listener.Start();

    /// <summary>
    /// STATE connections asked for so far, over all donors, counted when asked: a connection the fetcher no longer
    /// needs (its donor's pieces were all taken by the donor's other connections) may be cancelled before it is made.
    /// </summary>
    public int ConnectsAsked => Volatile.Read(ref _connectsAsked);

    /// <summary>Adds a donor that serves <paramref name="content"/> (one tensor per array) but claims the block hashes of <paramref name="claimed"/> (default: the content's own).</summary>
    public void Add(ulong donor, byte[][] content, int blockSize, Func<CancellationToken, ValueTask>? hook = null, byte[][]? claimed = null)
    {
        var entries = content.Select((c, i) => new SharedStateEntry($"t{i}", c, PcclDataType.U8)).ToArray();
        var hashes = (claimed ?? content).Select(c => TensorHasher.HashBlocks(c, blockSize)).ToArray();
        var source = new StateSource(entries, hashes, blockSize);
        source.AdmitReceivers([new SharedStateGrant { ReceiverId = ReceiverId, Keys = { entries.Select(e => e.Key) } }]);
        _donors[donor] = (source, hook);
    }

    /// <summary>The fetcher's connect function.</summary>
    public async Task<Stream> ConnectAsync(ulong donor, CancellationToken ct)
    {
        Interlocked.Increment(ref _connectsAsked);
        var (source, hook) = _donors[donor];
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        NetworkStream server;
        await _pairing.WaitAsync(ct); // one connect at a time, or an accept could hand back another donor's connection
        try
        {
            var accepting = _listener.AcceptSocketAsync(ct);
            await client.ConnectAsync((IPEndPoint)_listener.LocalEndpoint, ct);
            server = new NetworkStream(await accepting, ownsSocket: true);
        }
        finally
        {
            _pairing.Release();
        }

        lock (_serving)
        {
            _serving.Add(Task.Run(async () =>
            {
                await using (server)
                {
                    try
                    {
                        await StateBlockServer.ServeAsync(server, source, ReceiverId, Sequence, hook is null ? null : new FaultHooks { OnStateBlockSending = hook }, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
                    {
                        // the donor "died" (hook threw) or the receiver went away
                    }
                }
            }, CancellationToken.None));
        }

        return new NetworkStream(client, ownsSocket: true);
    }

    public const ulong Sequence = 9;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task[] serving;
        lock (_serving)
        {
            serving = [.. _serving];
        }

        await Task.WhenAll(serving);
        _listener.Stop();
        _listener.Dispose();
        foreach (var (source, _) in _donors.Values)
        {
            source.Dispose();
        }

        _stop.Dispose();
        _pairing.Dispose();
    }
}
