namespace Pccl.IntegrationTests;

public class SmokeTests
{
    [Fact]
    public void DefaultsMatchSeed() => Assert.Equal(7117, MasterOptions.Default.Port);
}
