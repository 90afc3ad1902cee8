using System.Runtime.InteropServices;
using Pccl.Hosting.Configuration;
using Pccl.Native.Abi;
using Pccl.Native.Telemetry;

namespace Pccl.Native.Exports;

/// <summary>An embedded master: create, run, interrupt, await termination, destroy.</summary>
internal static unsafe class MasterExports
{
    [UnmanagedCallersOnly(EntryPoint = "pcclCreateMaster")]
    public static PcclResult Create(SocketAddress listenAddress, nint* masterOut)
    {
        try
        {
            if (!Library.Initialized)
            {
                return PcclResult.NotInitialized;
            }

            if (masterOut is null || listenAddress.Host is not { } host)
            {
                return PcclResult.InvalidArgument;
            }

            if (NativeConfiguration.Load("pcclCreateMaster", PcclRole.Master) is not (var config, var loggers))
            {
                return PcclResult.InvalidArgument;
            }

            var options = config.ToMasterOptions() with { BindAddress = host, Port = listenAddress.Port };
            *masterOut = Library.Masters.Add(new NativeMaster(options, loggers));
            NativeTelemetry.Logger.MasterCreated(host, options.Port);
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclRunMaster")]
    public static PcclResult Run(nint master) => OnMaster(master, static m => m.Run());

    [UnmanagedCallersOnly(EntryPoint = "pcclInterruptMaster")]
    public static PcclResult Interrupt(nint master) => OnMaster(master, static m => m.Interrupt());

    [UnmanagedCallersOnly(EntryPoint = "pcclMasterAwaitTermination")]
    public static PcclResult AwaitTermination(nint master) => OnMaster(master, static m => m.AwaitTermination());

    [UnmanagedCallersOnly(EntryPoint = "pcclDestroyMaster")]
    public static PcclResult Destroy(nint master) => OnMaster(master, m =>
        !m.CanBeDestroyed ? PcclResult.InvalidUsage
        : Library.Masters.Remove(master) is null ? PcclResult.InvalidArgument
        : PcclResult.Success);

    private static PcclResult OnMaster(nint master, Func<NativeMaster, PcclResult> call)
    {
        try
        {
            var found = Library.FindMaster(master, out var instance);
            return found != PcclResult.Success ? found : call(instance);
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }
}
