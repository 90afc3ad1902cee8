namespace Pccl.Hosting.Telemetry;

/// <summary>What /readyz answers: ready, or not ready and why.</summary>
/// <param name="IsReady">True when the process can do its work (e.g. the peer is in the world).</param>
/// <param name="Reason">Why the process is not ready; shown in the 503 body.</param>
public readonly record struct ReadinessReport(bool IsReady, string Reason)
{
    /// <summary>The process is ready.</summary>
    public static ReadinessReport Ready => new(true, "ready");

    /// <summary>The process is not ready, for <paramref name="reason"/>.</summary>
    public static ReadinessReport NotReady(string reason) => new(false, reason);
}
