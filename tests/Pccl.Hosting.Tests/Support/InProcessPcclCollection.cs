namespace Pccl.Hosting.Tests.Support;

/// <summary>
/// Tests that run PCCL in this process, one at a time: PCCL's activity source is one per process, so an
/// OpenTelemetry pipeline of one test would record another test's operations.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InProcessPcclCollection
{
    public const string Name = "PCCL in this process";
}
