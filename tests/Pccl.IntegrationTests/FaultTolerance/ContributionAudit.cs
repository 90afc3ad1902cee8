using System.Text.Json;
using Pccl.Cli.Workload;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// Checks what workers report against what it recomputes itself from <see cref="Contribution"/>: each input from its
/// peer id and key, each result as the exact sum over the peers the worker names, each restored buffer against the
/// input. No worker's own verdict is trusted.
/// </summary>
internal sealed class ContributionAudit(int elements)
{
    private readonly float[] _scratch = new float[elements];
    private readonly Dictionary<(ulong Peer, ulong Key), string> _inputs = [];
    private readonly Dictionary<(string Peers, ulong Key), string> _sums = [];

    /// <summary>The hash of peer <paramref name="peer"/>'s input for <paramref name="key"/>.</summary>
    public string InputHash(ulong peer, ulong key)
    {
        if (!_inputs.TryGetValue((peer, key), out var hash))
        {
            Contribution.Fill(_scratch, peer, key);
            _inputs[(peer, key)] = hash = Contribution.Hash(_scratch);
        }

        return hash;
    }

    /// <summary>
    /// Every step line: the input is what its peer id and key make, the peer is among the contributors, the world size
    /// counts them, and the result is the exact sum of the contributors' inputs.
    /// </summary>
    public void AssertExactSums(PcclProcess worker)
    {
        foreach (var step in FaultRun.Steps(worker))
        {
            var peer = step.GetProperty("peer_id").GetUInt64();
            var key = step.GetProperty("input_key").GetUInt64();
            var peers = Peers(step);
            Assert.True(InputHash(peer, key) == step.GetProperty("input_hash").GetString(), $"{worker.Name} fed an input other than its own for key {key}: {step}");
            Assert.Contains(peer, peers);
            Assert.Equal(peers.Count, FaultRun.World(step));
            Assert.True(SumHash(peers, key) == step.GetProperty("result_hash").GetString(),
                $"{worker.Name}'s result is not the exact sum over peers [{string.Join(", ", peers)}] for key {key}: {step}");
        }
    }

    /// <summary>After every failed attempt <paramref name="worker"/> reported, its buffer held its input again, byte for byte.</summary>
    public void AssertRestored(PcclProcess worker, IEnumerable<JsonElement> attempts)
    {
        foreach (var attempt in attempts)
        {
            var expected = InputHash(attempt.GetProperty("peer_id").GetUInt64(), attempt.GetProperty("input_key").GetUInt64());
            Assert.True(expected == attempt.GetProperty("buffer_hash").GetString(), $"{worker.Name}'s buffer did not hold its input after a failed attempt: {attempt}");
        }
    }

    public static IReadOnlyList<ulong> Peers(JsonElement step) => [.. step.GetProperty("peers").EnumerateArray().Select(p => p.GetUInt64())];

    private string SumHash(IReadOnlyList<ulong> peers, ulong key)
    {
        var name = string.Join(',', peers.Order());
        if (!_sums.TryGetValue((name, key), out var hash))
        {
            Contribution.FillSum(_scratch, peers, key);
            _sums[(name, key)] = hash = Contribution.Hash(_scratch);
        }

        return hash;
    }
}
