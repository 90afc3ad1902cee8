namespace Pccl.Tests.Support;

/// <summary>Disposes a test's communicators and masters in the order given, skipping what was never created.</summary>
internal static class Disposal
{
    public static async Task DisposeAllAsync(IEnumerable<IAsyncDisposable?> items)
    {
        foreach (var item in items)
        {
            if (item is not null)
            {
                await item.DisposeAsync();
            }
        }
    }
}
