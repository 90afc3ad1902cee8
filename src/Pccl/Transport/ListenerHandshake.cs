using System.Net;
using Pccl.Protocol.Messages;
using Pccl.Transport.Identity;

namespace Pccl.Transport;

/// <summary>
/// How a <see cref="ConnectionListener"/> runs the server side of the handshake (see <see cref="Handshake.AcceptAsync"/>).
/// </summary>
/// <param name="ClusterId">The cluster a client must name.</param>
/// <param name="Security">TLS and authentication.</param>
/// <param name="Timeout">How long one handshake may take.</param>
/// <param name="Admit">The owner's last word on a hello that passed every check: a refusal, or null to accept.</param>
/// <param name="OnRefused">Hears every refusal's reason, for the log.</param>
/// <param name="Gatekeeper">The p2p membership and identity checks; null on the master's control port.</param>
/// <param name="Epoch">The master's leadership epoch, stamped on the reply that accepts a connection; null off the master.</param>
internal sealed record ListenerHandshake(
    string ClusterId,
    ConnectionSecurity Security,
    TimeSpan Timeout,
    Func<Hello, IPEndPoint?, Refusal?> Admit,
    Action<IPEndPoint?, string> OnRefused,
    P2PGatekeeper? Gatekeeper = null,
    Func<ulong>? Epoch = null);
