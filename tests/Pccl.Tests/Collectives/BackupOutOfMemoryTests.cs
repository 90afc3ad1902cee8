using Pccl.Operations.Collectives;
using Pccl.Telemetry;

namespace Pccl.Tests.Collectives;

/// <summary>Running out of memory for an in-place all-reduce's backup is reported with the setting that turns it off and the metric that shows its size.</summary>
public sealed class BackupOutOfMemoryTests
{
    [Fact]
    public void An_allocation_failure_taking_the_backup_names_the_setting_and_the_metric()
    {
        var scratch = new ScratchPool(_ => throw new OutOfMemoryException());
        using var telemetry = new PcclInstruments(MetricRole.Peer);
        var buffer = new byte[1 << 20];

        var e = Assert.Throws<PcclException>(() => AllReduceInput.Prepare<float>(null, buffer, backupEnabled: true, scratch, telemetry));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, e.Code);
        Assert.False(e.IsTransient);
        Assert.IsType<OutOfMemoryException>(e.InnerException);
        Assert.Contains("fault_tolerance.enable_buffer_backup: false", e.Message);
        Assert.Contains("pccl_buffer_backup_size", e.Message);
        Assert.Contains("1048576 bytes", e.Message);
    }

    [Fact]
    public void Without_the_backup_an_in_place_call_allocates_nothing()
    {
        var scratch = new ScratchPool(_ => throw new OutOfMemoryException());
        using var telemetry = new PcclInstruments(MetricRole.Peer);

        Assert.Null(AllReduceInput.Prepare<float>(null, new byte[4096], backupEnabled: false, scratch, telemetry));
    }
}
