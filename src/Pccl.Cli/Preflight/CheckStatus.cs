namespace Pccl.Cli.Preflight;

/// <summary>A preflight row's verdict: at or better than the recommended value, between minimum and recommended, or below the minimum.</summary>
internal enum CheckStatus
{
    Pass,
    Warn,
    Fail,
}
