
namespace Pccl.Tests.StateSync.Support;

/// <summary>Shared states of float tensors filled with a recognisable pattern.</summary>
internal static class StateBuilder
{
    public const int MiB = 1 << 20;

    /// <summary>A state with one float tensor per key, each of <paramref name="bytes"/> bytes, filled from <paramref name="seed"/>.</summary>
    public static SharedState Make(ulong revision, int bytes, int seed, params string[] keys) =>
        new(keys.Select(k => SharedStateEntry.Create<float>(k, Fill(new float[bytes / sizeof(float)], seed))), revision);

    public static float[] Fill(float[] values, int seed)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = seed * 1_000_003 + i;
        }

        return values;
    }

    /// <summary>Overwrites one tensor of <paramref name="state"/> with the pattern of <paramref name="seed"/>.</summary>
    public static void Refill(SharedState state, string key, int seed)
    {
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(state.Find(key)!.Content.Span);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = seed * 1_000_003 + i;
        }
    }

    public static bool SameContent(SharedState a, SharedState b) =>
        a.Entries.All(e => e.Content.Span.SequenceEqual(b.Find(e.Key)!.Content.Span));
}
