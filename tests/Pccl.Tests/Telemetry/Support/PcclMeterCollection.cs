namespace Pccl.Tests.Telemetry.Support;

/// <summary>
/// Tests that record into the process-wide <c>Pccl</c> meter and assert exact values run alone,
/// so that no other test's measurements reach their bridge meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PcclMeterCollection
{
    public const string Name = "Pccl meter (serial)";
}
