namespace Pccl.Operations.Collectives.Kernels;

/// <summary>Width of one quantized code.</summary>
internal interface ICodeWidth
{
    static abstract int Bytes { get; }

    /// <summary>Largest code, 2^bits - 1.</summary>
    static abstract uint Levels { get; }

    static abstract uint Load(ref byte codes, int index);

    static abstract void Store(ref byte codes, int index, uint code);
}
