namespace Pccl;

/// <summary>
/// A 16-bit "brain" floating-point number: the upper half of an IEEE 754 single (1 sign bit,
/// 8 exponent bits, 7 mantissa bits). .NET 10 has no built-in type for it, so buffers of
/// <c>DataType.Bf16</c> can be viewed as spans of this struct.
/// </summary>
/// <remarks>
/// Widening to <see cref="float"/> is exact. Narrowing from <see cref="float"/> rounds to nearest,
/// ties to even; values beyond the largest finite BFloat16 become infinities, and a NaN stays a
/// (quiet) NaN with its sign and upper payload bits. Arithmetic is done by widening to
/// <see cref="float"/> and narrowing the result, which gives the correctly rounded BFloat16 result
/// for addition, subtraction, multiplication and division.
/// </remarks>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>
{
    private const ushort QuietBit = 0x0040;

    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>The raw 16-bit pattern (sign, exponent, mantissa).</summary>
    public ushort Bits { get; }

    /// <summary>Zero.</summary>
    public static BFloat16 Zero => default;

    /// <summary>True when the value is not a number.</summary>
    public bool IsNaN => (Bits & 0x7FFF) > 0x7F80;

    /// <summary>Reinterprets a 16-bit pattern as a BFloat16 without conversion.</summary>
    /// <param name="bits">The raw pattern.</param>
    /// <returns>The value with exactly these bits.</returns>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Rounds a single to the nearest BFloat16 (ties to even).</summary>
    /// <param name="value">The value to narrow.</param>
    /// <returns>The nearest BFloat16.</returns>
    public static BFloat16 FromSingle(float value) => new(RoundToBits(value));

    /// <summary>Widens to a single; exact.</summary>
    /// <returns>The same value as a <see cref="float"/>.</returns>
    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)Bits << 16);

    /// <summary>Rounds a single to the nearest BFloat16 (ties to even).</summary>
    /// <param name="value">The value to narrow.</param>
    public static explicit operator BFloat16(float value) => FromSingle(value);

    /// <summary>Widens to a single; exact.</summary>
    /// <param name="value">The value to widen.</param>
    public static implicit operator float(BFloat16 value) => value.ToSingle();

    /// <summary>IEEE equality: NaN differs from everything, +0 equals -0.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator ==(BFloat16 left, BFloat16 right) => left.ToSingle() == right.ToSingle();

    /// <summary>IEEE inequality.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator !=(BFloat16 left, BFloat16 right) => !(left == right);

    /// <summary>IEEE less-than.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator <(BFloat16 left, BFloat16 right) => left.ToSingle() < right.ToSingle();

    /// <summary>IEEE greater-than.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator >(BFloat16 left, BFloat16 right) => left.ToSingle() > right.ToSingle();

    /// <summary>IEEE less-or-equal.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator <=(BFloat16 left, BFloat16 right) => left.ToSingle() <= right.ToSingle();

    /// <summary>IEEE greater-or-equal.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator >=(BFloat16 left, BFloat16 right) => left.ToSingle() >= right.ToSingle();

    /// <summary>Equality as <see cref="float.Equals(float)"/> defines it: NaN equals NaN, +0 equals -0.</summary>
    /// <param name="other">The value to compare with.</param>
    /// <returns>True when both denote the same number.</returns>
    public bool Equals(BFloat16 other) => ToSingle().Equals(other.ToSingle());

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => ToSingle().GetHashCode();

    /// <summary>Orders as <see cref="float.CompareTo(float)"/> does (NaN first).</summary>
    /// <param name="other">The value to compare with.</param>
    /// <returns>Negative, zero or positive.</returns>
    public int CompareTo(BFloat16 other) => ToSingle().CompareTo(other.ToSingle());

    /// <inheritdoc />
    public override string ToString() => ToSingle().ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static ushort RoundToBits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // Truncating a NaN whose payload sits only in the low half would yield an infinity.
            return (ushort)((bits >> 16) | QuietBit);
        }
        uint lsb = (bits >> 16) & 1;
        return (ushort)((bits + 0x7FFFu + lsb) >> 16);
    }
}
