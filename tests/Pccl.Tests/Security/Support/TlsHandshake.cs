using System.Net.Security;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security.Support;

/// <summary>Result of running both sides of a TLS handshake; a side's stream is null when it failed.</summary>
public sealed record TlsHandshakeResult(SslStream? Server, Exception? ServerError, SslStream? Client, Exception? ClientError) : IDisposable
{
    public void Dispose()
    {
        Server?.Dispose();
        Client?.Dispose();
    }
}

internal static class TlsHandshake
{
    /// <summary>
    /// Runs both sides concurrently over a loopback pair. Like a real connection owner, a side that fails closes
    /// its socket, so the other side never waits forever. A 20 s guard turns a hang into a failure.
    /// </summary>
    internal static async Task<TlsHandshakeResult> RunAsync(LoopbackPair pair, TlsStreamFactory server, TlsStreamFactory client)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(20));
        var serverSide = Capture(() => server.AuthenticateAsServerAsync(pair.Server, guard.Token), pair.CloseServer);
        var clientSide = Capture(() => client.AuthenticateAsClientAsync(pair.Client, "127.0.0.1", guard.Token), pair.CloseClient);
        var (serverStream, serverError) = await serverSide;
        var (clientStream, clientError) = await clientSide;
        return new TlsHandshakeResult(serverStream, serverError, clientStream, clientError);
    }

    internal static async Task<(T? Value, Exception? Error)> Capture<T>(Func<Task<T>> run, Action onFailure)
    {
        try
        {
            return (await run(), null);
        }
        catch (Exception ex)
        {
            onFailure();
            return (default, ex);
        }
    }
}
