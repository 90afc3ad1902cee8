namespace Pccl;

/// <summary>An inclusive range of TCP ports.</summary>
public readonly record struct PortRange(int First, int Last)
{
    /// <summary>The seed's p2p range, 7118..7150.</summary>
    public static PortRange DefaultP2P => new(7118, 7150);

    /// <summary>Number of ports in the range.</summary>
    public int Count => Last - First + 1;

    /// <inheritdoc/>
    public override string ToString() => $"{First}-{Last}";
}
