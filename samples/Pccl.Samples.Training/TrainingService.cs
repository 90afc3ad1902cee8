using Microsoft.Extensions.Options;
using Pccl.Hosting.DependencyInjection;

namespace Pccl.Samples.Training;

/// <summary>
/// Trains as <c>pccl demo</c>'s workers do: admit waiting peers by vote, keep the weights identical on every peer with a
/// shared-state sync, all-reduce the gradients (average), apply them. Each peer's gradient is derived from the shared
/// revision and its own seed, so every peer can check the average it received.
/// </summary>
internal sealed partial class TrainingService(PcclPeer peer, IOptions<TrainingOptions> settings, IHostApplicationLifetime lifetime, ILogger<TrainingService> logger)
    : BackgroundService
{
    private const float LearningRate = 0.1f;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await TrainAsync(settings.Value, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            TrainingFailed(logger, e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task TrainAsync(TrainingOptions options, CancellationToken stoppingToken)
    {
        var communicator = await peer.WhenAcceptedAsync(stoppingToken);
        // pinned and, where Linux offers them, in huge pages: a killed peer's neighbours learn of it sooner
        var weights = PinnedBuffer.Allocate<float>(options.Parameters);
        var gradient = PinnedBuffer.Allocate<float>(options.Parameters);
        var state = new SharedState([SharedStateEntry.Create("weights", weights.AsMemory())]);
        var justJoined = true;
        for (var step = 0; step < options.Steps;)
        {
            // a peer just admitted is already past the vote the others are leaving
            if (!justJoined || communicator.GlobalWorldSize < options.World)
            {
                if (await communicator.ArePeersPendingAsync(stoppingToken))
                {
                    await communicator.UpdateTopologyAsync(stoppingToken);
                }
            }

            justJoined = false;
            if (communicator.GlobalWorldSize < options.World)
            {
                await Task.Delay(100, stoppingToken);
                continue;
            }

            state.Revision++;
            await communicator.SyncSharedStateAsync(state, ct: stoppingToken);
            Array.Fill(gradient, (float)(state.Revision % 7) + 1);
            var info = await communicator.AllReduceAsync(gradient.AsMemory(), new AllReduceOptions { Op = ReduceOperation.Avg }, stoppingToken);
            var expected = (float)(state.Revision % 7) + 1;
            if (Array.Exists(gradient, g => g != expected))
            {
                throw new InvalidOperationException($"step {step}: the averaged gradient is not {expected} everywhere");
            }

            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] -= LearningRate * gradient[i];
            }

            step++;
            StepDone(logger, step, info.WorldSize, state.Revision, weights[0]);
        }

        TrainingDone(logger, options.Steps, communicator.PeerId);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "step {Step}: world {World}, revision {Revision}, weight[0] {Weight}")]
    private static partial void StepDone(ILogger logger, int step, int world, ulong revision, float weight);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "training failed: {Error}")]
    private static partial void TrainingFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "training done: {Steps} steps on peer {PeerId}")]
    private static partial void TrainingDone(ILogger logger, int steps, ulong peerId);
}
