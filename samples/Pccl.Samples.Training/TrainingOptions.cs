namespace Pccl.Samples.Training;

/// <summary>The sample's own settings (section "Sample").</summary>
public sealed class TrainingOptions
{
    /// <summary>Steps to train; the worker stops its host after them.</summary>
    public int Steps { get; set; } = 20;

    /// <summary>Peers to wait for before training.</summary>
    public int World { get; set; } = 2;

    /// <summary>Parameters of the model (float32).</summary>
    public int Parameters { get; set; } = 4096;
}
