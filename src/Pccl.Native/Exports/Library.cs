using Microsoft.Extensions.Logging;
using Pccl.Native.Abi;
using Pccl.Native.Handles;
using Pccl.Native.Interop;
using Pccl.Native.Telemetry;

namespace Pccl.Native.Exports;

/// <summary>State shared by every export: whether <c>pcclInit</c> ran, and the handle tables.</summary>
internal static class Library
{
    private static volatile bool s_initialized;

    public static HandleTable<NativeCommunicator> Communicators { get; } = new(kind: 0x5C);

    public static HandleTable<NativeMaster> Masters { get; } = new(kind: 0x5D);

    public static bool Initialized => s_initialized;

    /// <summary>
    /// Marks the library initialized. The first call also runs socket completions inline on the IO thread, as
    /// <c>pccl</c> does, unless the environment sets <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>: without it each
    /// ring step's receive waits for a thread-pool thread to be woken and scheduled (docs/performance.md, "Settings the
    /// figures depend on"). The runtime reads the variable at the first socket operation, which no call before
    /// <c>pcclInit</c> makes.
    /// </summary>
    public static void Initialize()
    {
        if (!s_initialized && Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        s_initialized = true;
    }

    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// The communicator of <paramref name="handle"/>, or the result to return: <see cref="PcclResult.NotInitialized"/>
    /// before <c>pcclInit</c>, <see cref="PcclResult.InvalidArgument"/> for a null, stale or foreign handle.
    /// </summary>
    public static PcclResult Find(nint handle, out NativeCommunicator communicator)
    {
        communicator = null!;
        if (!s_initialized)
        {
            return PcclResult.NotInitialized;
        }

        if (Communicators.Find(handle) is not { } found)
        {
            return PcclResult.InvalidArgument;
        }

        communicator = found;
        return PcclResult.Success;
    }

    /// <summary>
    /// The connected communicator of <paramref name="handle"/>, or the result to return as <see cref="Find(nint, out NativeCommunicator)"/>,
    /// and <see cref="PcclResult.InvalidUsage"/> when it is not connected.
    /// </summary>
    public static PcclResult FindConnected(nint handle, out NativeCommunicator communicator, out Communicator connected)
    {
        connected = null!;
        var result = Find(handle, out communicator);
        if (result != PcclResult.Success)
        {
            return result;
        }

        if (communicator.Connected is not { } live)
        {
            return PcclResult.InvalidUsage;
        }

        connected = live;
        return PcclResult.Success;
    }

    /// <summary>The master of <paramref name="handle"/>, or the result to return.</summary>
    public static PcclResult FindMaster(nint handle, out NativeMaster master)
    {
        master = null!;
        if (!s_initialized)
        {
            return PcclResult.NotInitialized;
        }

        if (Masters.Find(handle) is not { } found)
        {
            return PcclResult.InvalidArgument;
        }

        master = found;
        return PcclResult.Success;
    }

    /// <summary>
    /// Nothing may escape an export (it would end the C caller's process): every exception becomes a result, and its
    /// message a debug line (the C caller sees only the code).
    /// </summary>
    public static PcclResult Fail(Exception exception)
    {
        var result = ResultMap.Of(exception);
        var logger = NativeTelemetry.Logger;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.CallFailed("pccl" + result, exception.Message);
        }

        return result;
    }
}
