namespace Pccl.Cli.Wan;

/// <summary>
/// A TUN device opened inside a network namespace: IPv4 packets the namespace routes to it are read here, and packets
/// written here arrive in the namespace as if from a wire. Not persistent: the device disappears with the descriptor.
/// </summary>
internal sealed unsafe class TunDevice : IDisposable
{
    /// <summary>Bytes of the largest packet (the device's MTU is set below this).</summary>
    public const int MaxPacket = 65536;

    private readonly int _fd;

    private TunDevice(int fd, string name, string networkNamespace)
    {
        _fd = fd;
        Name = name;
        Namespace = networkNamespace;
    }

    public string Name { get; }

    public string Namespace { get; }

    public static TunDevice Open(string networkNamespace, string name) => NamespaceThread.Run(networkNamespace, () =>
    {
        var fd = LinuxNative.Open("/dev/net/tun", LinuxNative.OpenReadWrite);
        if (fd < 0)
        {
            throw new InvalidOperationException($"cannot open /dev/net/tun: {LinuxNative.LastError()} (needs root and the tun module)");
        }

        // struct ifreq: 16 bytes of name, then the flags as a short, padded to 40 bytes
        var request = stackalloc byte[40];
        new Span<byte>(request, 40).Clear();
        System.Text.Encoding.ASCII.GetBytes(name, new Span<byte>(request, 15));
        *(short*)(request + 16) = LinuxNative.TunNoPacketInfo;
        if (LinuxNative.Ioctl(fd, LinuxNative.TunSetInterface, request) != 0)
        {
            var error = LinuxNative.LastError();
            LinuxNative.Close(fd);
            throw new InvalidOperationException($"TUNSETIFF {name}: {error}");
        }

        return new TunDevice(fd, name, networkNamespace);
    });

    /// <summary>Blocks until a packet arrives; returns its length.</summary>
    public int Read(byte[] buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = LinuxNative.Read(_fd, p, buffer.Length);
            return n >= 0 ? (int)n : throw new IOException($"read from {Name} in {Namespace}: {LinuxNative.LastError()}");
        }
    }

    /// <summary>Hands one packet to the namespace; a packet the kernel refuses is dropped as a wire would.</summary>
    public void Write(byte[] buffer, int length)
    {
        fixed (byte* p = buffer)
        {
            _ = LinuxNative.Write(_fd, p, length);
        }
    }

    public void Dispose() => LinuxNative.Close(_fd);
}
