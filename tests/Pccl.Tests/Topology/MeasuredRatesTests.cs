using Pccl.Operations.Topology;

namespace Pccl.Tests.Topology;

/// <summary>The rates a peer measured to others, which its lanes are striped for: the newest counts, a failure forgets.</summary>
public class MeasuredRatesTests
{
    [Fact]
    public void TheNewestMeasurementCountsAndAFailureForgetsThePair()
    {
        var rates = new MeasuredRates();
        Assert.Null(rates.BitsPerSecondTo(7));

        rates.Record(7, 125_000_000);
        rates.Record(9, 1_000);
        Assert.Equal(1_000_000_000, rates.BitsPerSecondTo(7));
        Assert.Equal(8_000, rates.BitsPerSecondTo(9));

        rates.Record(7, 25_000_000);
        Assert.Equal(200_000_000, rates.BitsPerSecondTo(7));

        rates.Record(7, 0);
        Assert.Null(rates.BitsPerSecondTo(7));
        Assert.Equal(8_000, rates.BitsPerSecondTo(9));
    }
}
