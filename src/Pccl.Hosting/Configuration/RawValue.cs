namespace Pccl.Hosting.Configuration;

/// <summary>
/// A value as written, before it is typed: a scalar <see cref="Text"/> (null for YAML null or an empty value)
/// or, for a YAML sequence, its <see cref="Items"/>.
/// </summary>
internal sealed record RawValue(string? Text, IReadOnlyList<string>? Items = null)
{
    public static RawValue Null { get; } = new((string?)null);
}
