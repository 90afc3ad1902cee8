using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Pccl.Cli.Workload;

/// <summary>
/// What a worker feeds into a step's all-reduce: small integers, distinct per peer and per key, so the exact sum over any
/// set of peers is representable in float32 whatever the reduction order. Anyone who knows the participating peer ids
/// and the key can compute the correct result (<see cref="FillSum"/>) without trusting a worker's own verdict; the test
/// projects compile this file too.
/// </summary>
internal static class Contribution
{
    /// <summary>Values lie in [-125, 125]: sums over up to 2^17 peers stay exact in float32.</summary>
    private const int Spread = 251;

    /// <summary>Fills <paramref name="values"/> with the input of peer <paramref name="peerId"/> for <paramref name="key"/>.</summary>
    public static void Fill(Span<float> values, ulong peerId, ulong key)
    {
        var offset = Offset(peerId, key);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Value(offset, i);
        }
    }

    /// <summary>Fills <paramref name="sum"/> with the exact element-wise sum of the inputs of <paramref name="peerIds"/> for <paramref name="key"/>.</summary>
    public static void FillSum(Span<float> sum, IEnumerable<ulong> peerIds, ulong key)
    {
        sum.Clear();
        foreach (var peer in peerIds)
        {
            var offset = Offset(peer, key);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += Value(offset, i);
            }
        }
    }

    /// <summary>The hash workers report for a buffer (input, result or a restored buffer): XxHash3 of its bytes, lower-case hex.</summary>
    public static string Hash(ReadOnlySpan<float> values) => Convert.ToHexStringLower(XxHash3.Hash(MemoryMarshal.AsBytes(values)));

    private static ulong Offset(ulong peerId, ulong key) => (peerId * 40503UL) + (key * 69069UL);

    private static float Value(ulong offset, int i) => (int)((offset + ((ulong)i * 7919UL)) % Spread) - (Spread / 2);
}
