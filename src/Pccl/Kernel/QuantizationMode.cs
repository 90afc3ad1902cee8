namespace Pccl;

/// <summary>Lossy wire encoding of floating-point all-reduce traffic.</summary>
public enum QuantizationMode
{
    /// <summary>Values travel at full precision.</summary>
    None,
    /// <summary>Each piece travels as 8-bit codes between its minimum and maximum.</summary>
    MinMaxU8,
    /// <summary>Each piece travels as 16-bit codes between its minimum and maximum.</summary>
    MinMaxU16,
}
