namespace Pccl.Cli.Chaos;

/// <summary>One operation (master sequence number) as first reported, with the hash of its exact sum, computed once.</summary>
internal sealed record ChaosOperation(int FirstWorker, ChaosStep FirstStep, ulong[] Peers, string ExpectedHash)
{
    public bool SameInputs(ChaosStep step) => step.InputKey == FirstStep.InputKey && Peers.SequenceEqual(step.Peers!.Order());

    public string DescribeInputs(ChaosStep step) => $"peers [{string.Join(", ", step.Peers!.Order())}] key {step.InputKey}";
}
