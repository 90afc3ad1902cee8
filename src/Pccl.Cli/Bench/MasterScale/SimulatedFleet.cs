using System.Diagnostics;
using System.Net;
using Pccl.Protocol.Messages;

namespace Pccl.Cli.Bench.MasterScale;

/// <summary>
/// Many simulated peers in this process, driven through the master's consensus rounds: it answers what a member must
/// answer (ring connections confirmed, collectives done) and times each round from the first message sent to the last
/// peer's answer from the master.
/// </summary>
internal sealed class SimulatedFleet(int masterPort, SimulatedHeartbeats heartbeats) : IDisposable
{
    /// <summary>Handshakes in flight at once; the master drops connections beyond its own handshake limit unheard.</summary>
    private const int JoinConcurrency = 32;

    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly List<SimulatedPeer> _peers = [];
    private readonly HashSet<ulong> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private RoundCountdown? _round;
    private int _topologyRoundsOpen;
    private string? _failure;

    public int Accepted
    {
        get
        {
            lock (_gate)
            {
                return _accepted.Count;
            }
        }
    }

    /// <summary>
    /// Connects and registers <paramref name="count"/> peers, each from its own loopback address, heartbeating from
    /// registration on; then has the members vote until every peer is accepted. Returns how many were accepted.
    /// </summary>
    public async Task<int> JoinAsync(int count, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(JoinConcurrency);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var peer = await SimulatedPeer.JoinAsync(SourceAddress(i), masterPort, ct).ConfigureAwait(false);
                heartbeats.Add(peer);
                lock (_gate)
                {
                    _peers.Add(peer);
                }

                _ = Task.Run(() => peer.ReadAsync(OnMessage, _stop.Token), CancellationToken.None);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);

        for (var vote = 0; vote < 5 && Accepted < count; vote++)
        {
            await WaitForTopologyQuietAsync(ct).ConfigureAwait(false);
            var voters = Members();
            await RoundAsync(voters, _ => new ControlMessage { TopologyVote = new TopologyVote() }, count,
                [ControlMessage.BodyOneofCase.TopologyComplete, ControlMessage.BodyOneofCase.TopologyFailed], ct).ConfigureAwait(false);
        }

        return Accepted;
    }

    /// <summary>One "are peers pending" vote of every member; the milliseconds until every member has the answer.</summary>
    public Task<double> PendingVoteRoundAsync(CancellationToken ct)
    {
        var members = Members();
        return RoundAsync(members, _ => new ControlMessage { PendingPeersVote = new PendingPeersVote() }, members.Count,
            [ControlMessage.BodyOneofCase.PendingPeersResult], ct);
    }

    /// <summary>One all-reduce's master round: every member starts it, reports it done, and learns it completed.</summary>
    public Task<double> CollectiveRoundAsync(CancellationToken ct)
    {
        var members = Members();
        var init = new ControlMessage
        {
            CollectiveInit = new CollectiveInit
            {
                Tag = 1,
                Parameters = new CollectiveDescriptor
                {
                    ElementCount = 1 << 20, DataType = DataType.F32, Op = ReduceOp.Sum, ChunkBytes = 4 << 20, Algorithm = Pccl.Protocol.Messages.CollectiveAlgorithm.Ring,
                },
            },
        };
        return RoundAsync(members, _ => init, members.Count,
            [ControlMessage.BodyOneofCase.CollectiveComplete, ControlMessage.BodyOneofCase.CollectiveAbort], ct);
    }

    /// <summary>One shared-state sync where every member holds the same content at <paramref name="revision"/>: hashes only, nothing moves.</summary>
    public Task<double> SharedStateRoundAsync(ulong revision, CancellationToken ct)
    {
        var members = Members();
        var request = new ControlMessage { SharedStateSyncRequest = new SharedStateSyncRequest { Revision = revision } };
        request.SharedStateSyncRequest.Tensors.Add(new SharedStateTensorInfo { Key = "weights", DataType = DataType.F32, ByteLength = 1 << 20, Hash = 0x5eed });
        return RoundAsync(members, _ => request, members.Count,
            [ControlMessage.BodyOneofCase.SharedStateSyncComplete, ControlMessage.BodyOneofCase.SharedStateSyncAbort], ct);
    }

    private async Task<double> RoundAsync(IReadOnlyList<SimulatedPeer> senders, Func<SimulatedPeer, ControlMessage> message, int answers,
        ControlMessage.BodyOneofCase[] ends, CancellationToken ct)
    {
        var round = new RoundCountdown(answers, ends);
        lock (_gate)
        {
            _round = round;
        }

        var clock = Stopwatch.StartNew();
        foreach (var peer in senders)
        {
            peer.Send(message(peer));
        }

        try
        {
            await round.Done.WaitAsync(RoundTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"a round got {answers - round.Remaining} of {answers} answers within {RoundTimeout.TotalSeconds} s ({_failure ?? "no failure reported"})");
        }

        var elapsed = clock.Elapsed.TotalMilliseconds;
        return round.Failure is { } failure ? throw new InvalidOperationException($"a round failed: {failure}") : elapsed;
    }

    /// <summary>Runs on each peer's reading thread.</summary>
    private void OnMessage(SimulatedPeer peer, ControlMessage message)
    {
        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.TopologyUpdate:
                Interlocked.Increment(ref _topologyRoundsOpen);
                peer.Send(new ControlMessage { P2PConnectResult = new P2PConnectResult { WorldRevision = message.TopologyUpdate.World.Revision, Success = true } });
                return;
            case ControlMessage.BodyOneofCase.TopologyComplete:
                lock (_gate)
                {
                    _accepted.Add(peer.Id);
                }

                Interlocked.Decrement(ref _topologyRoundsOpen);
                break;
            case ControlMessage.BodyOneofCase.TopologyFailed:
                Interlocked.Decrement(ref _topologyRoundsOpen);
                _failure = message.TopologyFailed.Reason;
                break;
            case ControlMessage.BodyOneofCase.CollectiveStart:
                peer.Send(new ControlMessage { CollectiveDone = new CollectiveDone { Tag = message.CollectiveStart.Tag, Sequence = message.CollectiveStart.Sequence, Success = true } });
                return;
            case ControlMessage.BodyOneofCase.Kick:
                _failure = $"peer {peer.Id} kicked: {message.Kick.Message}";
                return;
        }

        RoundCountdown? round;
        lock (_gate)
        {
            round = _round;
        }

        round?.Note(message);
    }

    private List<SimulatedPeer> Members()
    {
        lock (_gate)
        {
            return [.. _peers.Where(p => _accepted.Contains(p.Id))];
        }
    }

    /// <summary>Waits out the round the master opens by itself for the first peer of an empty world.</summary>
    private async Task WaitForTopologyQuietAsync(CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while ((Accepted == 0 || Volatile.Read(ref _topologyRoundsOpen) > 0) && deadline.Elapsed < RoundTimeout)
        {
            await Task.Delay(10, ct).ConfigureAwait(false);
        }
    }

    /// <summary>127.10.x.y: a distinct source per peer, so per-address limits see distinct hosts as they would in a cluster.</summary>
    private static IPAddress SourceAddress(int index) => new([127, 10, (byte)(index / 200), (byte)(index % 200 + 2)]);

    public void Dispose()
    {
        _stop.Cancel();
        lock (_gate)
        {
            foreach (var peer in _peers)
            {
                peer.Dispose();
            }
        }

        _stop.Dispose();
    }

    /// <summary>Counts the answers a round waits for; the first failure answer is kept.</summary>
    private sealed class RoundCountdown(int answers, ControlMessage.BodyOneofCase[] ends)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = answers;

        public Task Done => _done.Task;

        public int Remaining => Volatile.Read(ref _remaining);

        public string? Failure { get; private set; }

        public void Note(ControlMessage message)
        {
            if (!ends.Contains(message.BodyCase))
            {
                return;
            }

            if (message.BodyCase is ControlMessage.BodyOneofCase.TopologyFailed or ControlMessage.BodyOneofCase.CollectiveAbort or ControlMessage.BodyOneofCase.SharedStateSyncAbort)
            {
                Failure ??= message.ToString();
            }

            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }
}
