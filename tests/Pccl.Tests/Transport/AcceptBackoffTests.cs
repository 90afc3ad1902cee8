using Pccl.Transport;

namespace Pccl.Tests.Transport;

/// <summary>An accept loop whose accepts keep failing pauses 10 ms, doubling to 100 ms, instead of spinning.</summary>
public class AcceptBackoffTests
{
    [Fact]
    public async Task FailuresPauseLonger_UpTo100Ms_AndASuccessStartsOver()
    {
        var backoff = new AcceptBackoff();
        var pauses = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            pauses.Add(backoff.Next.TotalMilliseconds);
            await backoff.FailedAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal([10, 20, 40, 80, 100, 100], pauses);
        backoff.Succeeded();
        Assert.Equal(TimeSpan.FromMilliseconds(10), backoff.Next);
    }
}
