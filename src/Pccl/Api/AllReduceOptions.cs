namespace Pccl;

/// <summary>Per-call settings of an all-reduce.</summary>
public sealed record AllReduceOptions
{
    /// <summary>Sum, tag 0, no quantization, compression as configured.</summary>
    public static AllReduceOptions Default { get; } = new();

    /// <summary>The reduction.</summary>
    public ReduceOperation Op { get; init; } = ReduceOperation.Sum;

    /// <summary>Distinguishes concurrent operations; every peer must use the same tag for the same operation.</summary>
    public uint Tag { get; init; }

    /// <summary>Lossy wire encoding (floating-point types only); in a hierarchical all-reduce, on the exchange across regions alone.</summary>
    public QuantizationMode Quantization { get; init; } = QuantizationMode.None;

    /// <summary>Lossless wire compression (in a hierarchical all-reduce, across regions alone); null takes <see cref="CommunicatorOptions.EnableCompression"/>.</summary>
    public bool? Compression { get; init; }

    /// <summary>How the data moves; <see cref="AllReduceAlgorithm.Auto"/> picks by the peers' region labels and the group size.</summary>
    public AllReduceAlgorithm Algorithm { get; init; } = AllReduceAlgorithm.Auto;
}
