namespace Pccl;

/// <summary>
/// The names an OpenTelemetry pipeline (or any listener) subscribes to: <c>AddMeter(PcclTelemetry.MeterName)</c> and
/// <c>AddSource(PcclTelemetry.ActivitySourceName)</c>. docs/observability.md lists every instrument, activity and tag.
/// </summary>
public static class PcclTelemetry
{
    /// <summary>The meter every PCCL instrument belongs to.</summary>
    public const string MeterName = Telemetry.PcclInstruments.MeterName;

    /// <summary>The activity source of PCCL's operations: all-reduces, shared-state syncs and votes.</summary>
    public const string ActivitySourceName = Telemetry.PcclActivities.SourceName;
}
