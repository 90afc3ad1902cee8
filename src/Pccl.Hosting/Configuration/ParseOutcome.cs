namespace Pccl.Hosting.Configuration;

/// <summary>A typed value or the reason the raw value was refused.</summary>
internal readonly record struct ParseOutcome(object? Value, string? Error)
{
    public static ParseOutcome Ok(object? value) => new(value, null);

    public static ParseOutcome Fail(string error) => new(null, error);
}
