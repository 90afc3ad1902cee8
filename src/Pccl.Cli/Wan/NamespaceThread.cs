namespace Pccl.Cli.Wan;

/// <summary>
/// Runs code on a fresh thread that has entered a named network namespace (<c>ip netns</c>'s /run/netns/NAME). A socket
/// or TUN device opened there belongs to that namespace for its whole life, whichever thread uses it later; the thread
/// itself ends with the code, so no pool thread is ever moved out of this process's namespace.
/// </summary>
internal static class NamespaceThread
{
    public static T Run<T>(string networkNamespace, Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(networkNamespace);
                result = body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = $"netns {networkNamespace}" };
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException($"in network namespace {networkNamespace}: {failure.Message}", failure);
    }

    private static void Enter(string networkNamespace)
    {
        var path = $"/run/netns/{networkNamespace}";
        var fd = LinuxNative.Open(path, LinuxNative.OpenReadOnly);
        if (fd < 0)
        {
            throw new InvalidOperationException($"cannot open {path}: {LinuxNative.LastError()} (the namespace must exist: ip netns add {networkNamespace})");
        }

        try
        {
            if (LinuxNative.SetNamespace(fd, LinuxNative.NewNetworkNamespace) != 0)
            {
                throw new InvalidOperationException($"setns into {networkNamespace} failed: {LinuxNative.LastError()} (needs root)");
            }
        }
        finally
        {
            LinuxNative.Close(fd);
        }
    }
}
