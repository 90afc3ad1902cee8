using Microsoft.Extensions.Logging;
using Pccl.Operations.Session;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.StateSync;

/// <summary>Serves a receiver's STATE connection from the source of the round named in its hello.</summary>
internal sealed class StateDonor(PeerSession session, StateServingTable serving)
{
    public async ValueTask ServeAsync(EstablishedConnection connection)
    {
        try
        {
            var source = await serving.WaitAsync(connection.Hello.Sequence, session.Options.ConnectTimeout, CancellationToken.None).ConfigureAwait(false);
            if (source is not null)
            {
                await StateBlockServer.ServeAsync(connection.Stream, source, connection.Hello.PeerId, connection.Hello.Sequence, session.FaultInjector, source.Retired)
                    .ConfigureAwait(false);
            }
        }
        catch (StateConnectionRefusedException e)
        {
            session.Logger.StateConnectionRefused(e.Message, connection.Remote);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or OperationCanceledException or PcclException)
        {
            session.Logger.StateServingStopped(connection.Hello.PeerId, e.Message);
        }
        finally
        {
            await connection.Stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
