namespace Pccl.Tests.Collectives;

public sealed class ChunkSizeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4)]
    public async Task AChunkSmallerThanAnElementIsRefusedBeforeConnecting(int chunk)
    {
        var e = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(
            CommunicatorOptions.Default with { RingChunkSize = chunk, MasterHost = "127.0.0.1", MasterPort = 1 }, ct: TestContext.Current.CancellationToken));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, e.Code);
        Assert.Contains("ring_chunk_size", e.Message, StringComparison.Ordinal);
    }
}
