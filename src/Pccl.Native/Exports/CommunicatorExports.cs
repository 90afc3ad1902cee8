using System.Runtime.InteropServices;
using Pccl.Hosting.Configuration;
using Pccl.Native.Abi;
using Pccl.Native.Telemetry;

namespace Pccl.Native.Exports;

/// <summary>Creating, connecting, querying and destroying communicators; the membership votes.</summary>
internal static unsafe class CommunicatorExports
{
    [UnmanagedCallersOnly(EntryPoint = "pcclCreateCommunicator")]
    public static PcclResult Create(CommCreateParams* parameters, nint* commOut)
    {
        try
        {
            if (!Library.Initialized)
            {
                return PcclResult.NotInitialized;
            }

            if (parameters is null || commOut is null || parameters->MasterAddress.Host is not { } host)
            {
                return PcclResult.InvalidArgument;
            }

            if (NativeConfiguration.Load("pcclCreateCommunicator", PcclRole.Worker) is not (var config, var loggers))
            {
                return PcclResult.InvalidArgument;
            }

            var options = config.ToCommunicatorOptions() with
            {
                MasterHost = host,
                MasterPort = parameters->MasterAddress.Port,
                MasterEndpoints = null,
                PeerGroup = parameters->PeerGroup,
            };
            if (parameters->P2PConnectionPoolSize > 0)
            {
                options = options with { P2PConnectionPoolSize = (int)Math.Min(parameters->P2PConnectionPoolSize, int.MaxValue) };
            }

            *commOut = Library.Communicators.Add(new NativeCommunicator(options, loggers));
            NativeTelemetry.Logger.CommunicatorCreated(host, options.MasterPort, options.PeerGroup);
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclGetAttribute")]
    public static PcclResult GetAttribute(nint comm, NativeAttribute attribute, int* value)
    {
        try
        {
            var found = Library.FindConnected(comm, out _, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            if (value is null)
            {
                return PcclResult.InvalidArgument;
            }

            int? current = attribute switch
            {
                NativeAttribute.GlobalWorldSize => communicator.GlobalWorldSize,
                NativeAttribute.PeerGroupWorldSize => communicator.GroupWorldSize,
                NativeAttribute.NumDistinctPeerGroups => communicator.GroupCount,
                NativeAttribute.LargestPeerGroupWorldSize => communicator.LargestGroupWorldSize,
                _ => null,
            };
            if (current is not { } known)
            {
                return PcclResult.InvalidArgument;
            }

            *value = known;
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclDestroyCommunicator")]
    public static PcclResult Destroy(nint comm)
    {
        try
        {
            if (!Library.Initialized)
            {
                return PcclResult.NotInitialized;
            }

            if (Library.Communicators.Remove(comm) is not { } communicator)
            {
                return PcclResult.InvalidArgument;
            }

            communicator.Destroy();
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclConnect")]
    public static PcclResult Connect(nint comm)
    {
        try
        {
            var found = Library.Find(comm, out var communicator);
            return found != PcclResult.Success ? found : communicator.Connect();
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclUpdateTopology")]
    public static PcclResult UpdateTopology(nint comm)
    {
        try
        {
            var found = FindIdle(comm, out _, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            communicator.UpdateTopologyAsync().GetAwaiter().GetResult();
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pcclArePeersPending")]
    public static PcclResult ArePeersPending(nint comm, byte* pendingOut)
    {
        try
        {
            var found = FindIdle(comm, out _, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            if (pendingOut is null)
            {
                return PcclResult.InvalidArgument;
            }

            *pendingOut = communicator.ArePeersPendingAsync().GetAwaiter().GetResult() ? (byte)1 : (byte)0;
            return PcclResult.Success;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    /// <summary>
    /// The topology optimisation vote (<see cref="Communicator.OptimizeTopologyAsync"/>): success when the ring was
    /// optimized or stays unchanged; a failed adoption is <see cref="PcclResult.TopologyOptimizationFailed"/>.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclOptimizeTopology")]
    public static PcclResult OptimizeTopology(nint comm)
    {
        try
        {
            var found = FindIdle(comm, out _, out var communicator);
            if (found != PcclResult.Success)
            {
                return found;
            }

            communicator.OptimizeTopologyAsync().GetAwaiter().GetResult();
            return PcclResult.Success;
        }
        catch (PcclException e) when (e.Code == PcclErrorCode.TopologyFailed)
        {
            return PcclResult.TopologyOptimizationFailed;
        }
        catch (Exception e)
        {
            return Library.Fail(e);
        }
    }

    /// <summary>A connected communicator with no async all-reduce outstanding, as the joint calls need.</summary>
    internal static PcclResult FindIdle(nint comm, out NativeCommunicator native, out Communicator communicator)
    {
        var found = Library.FindConnected(comm, out native, out communicator);
        if (found != PcclResult.Success)
        {
            return found;
        }

        return native.HasAsyncOps ? PcclResult.PendingAsyncOps : PcclResult.Success;
    }
}
