using System.Runtime.InteropServices;

namespace Pccl.Native.Abi;

/// <summary><c>pcclCommCreateParams_t</c>: 36 bytes (offsets 0, 28, 32).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CommCreateParams
{
    public SocketAddress MasterAddress;
    public uint PeerGroup;
    public uint P2PConnectionPoolSize;
}
