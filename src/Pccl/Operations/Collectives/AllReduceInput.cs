using System.Runtime.InteropServices;
using Pccl.Telemetry;

namespace Pccl.Operations.Collectives;

/// <summary>An all-reduce's input: copied in from an out-of-place send buffer, or kept in a backup for an in-place call, and restored after a failure.</summary>
internal static class AllReduceInput
{
    /// <summary>Copies an out-of-place input into the buffer, or sets up the in-place input's backup; returns the backup or null.</summary>
    public static InputBackup? Prepare<T>(ReadOnlyMemory<T>? send, Memory<byte> buffer, bool backupEnabled, ScratchPool scratch, PcclInstruments telemetry) where T : unmanaged
    {
        if (send is { } input)
        {
            MemoryMarshal.AsBytes(input.Span).CopyTo(buffer.Span);
            return null;
        }

        if (!backupEnabled)
        {
            return null;
        }

        byte[] store;
        try
        {
            store = scratch.Rent(buffer.Length);
        }
        catch (OutOfMemoryException e)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"out of memory taking the buffer backup of an in-place all-reduce ({buffer.Length} bytes; the backups held now are the metric pccl_buffer_backup_size): " +
                "disable it with fault_tolerance.enable_buffer_backup: false, pass a separate send buffer, or reduce the model size", false, e);
        }

        telemetry.AddBufferBackupSize(store.Length);
        return new InputBackup(buffer, store);
    }

    public static void Restore<T>(ReadOnlyMemory<T>? send, InputBackup? backup, Memory<byte> buffer) where T : unmanaged
    {
        if (send is { } input)
        {
            MemoryMarshal.AsBytes(input.Span).CopyTo(buffer.Span);
        }
        else
        {
            backup?.Restore();
        }
    }

    /// <summary>Gives the backup's store back to the pool once the call is over.</summary>
    public static void Release(InputBackup? backup, ScratchPool scratch, PcclInstruments telemetry)
    {
        if (backup is not null)
        {
            telemetry.AddBufferBackupSize(-backup.Store.Length);
            scratch.Return(backup.Store);
            backup.Dispose();
        }
    }
}
