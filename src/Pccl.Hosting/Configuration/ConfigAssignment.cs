namespace Pccl.Hosting.Configuration;

/// <summary>One source's setting of one key, applied in precedence order.</summary>
internal sealed record ConfigAssignment(ConfigKey Key, RawValue Value, ConfigOrigin Origin);
