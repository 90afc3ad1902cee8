using Pccl.Hosting.Checkpoints;
using Pccl.Tests.Support;

namespace Pccl.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"pccl-ckpt-{Guid.NewGuid():N}");
    private readonly CapturedLog _logger = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private CheckpointStore Store(int keepLast = 3) => new(new CheckpointStoreOptions { Directory = _directory, KeepLast = keepLast }, _logger);

    private static SharedState MakeState(ulong revision, int seed)
    {
        var random = new Random(seed);
        var weights = new float[5000];
        for (var i = 0; i < weights.Length; i++)
            weights[i] = random.NextSingle();
        var steps = new long[] { seed, seed * 2 };
        var bytes = new byte[17];
        random.NextBytes(bytes);
        return new SharedState(
        [
            SharedStateEntry.Create<float>("weights", weights),
            SharedStateEntry.Create<long>("steps", steps),
            SharedStateEntry.Create<byte>("rng", bytes, allowContentInequality: true),
        ], revision);
    }

    private static SharedState EmptyLike(SharedState state) =>
        new(state.Entries.Select(e => new SharedStateEntry(e.Key, new byte[e.Content.Length], e.DataType, e.AllowContentInequality)));

    private static void AssertSameContent(SharedState expected, SharedState actual)
    {
        foreach (var entry in expected.Entries)
            Assert.True(entry.Content.Span.SequenceEqual(actual.Find(entry.Key)!.Content.Span), $"content of '{entry.Key}' differs");
    }

    private string PathOf(ulong revision) => Path.Combine(_directory, $"rev-{revision}.ckpt");

    [Fact]
    public async Task WrittenCheckpointLoadsBackBitIdentical()
    {
        var state = MakeState(13, seed: 1);
        var path = await Store().WriteAsync(state, _ct);

        var target = EmptyLike(state);
        var loaded = await Store().TryLoadNewestAsync(target, _ct);

        Assert.Equal(PathOf(13), path);
        Assert.Equal(13UL, loaded);
        Assert.Equal(13UL, target.Revision);
        AssertSameContent(state, target);
        Assert.Empty(_logger.Warnings);
        Assert.Equal(["rev-13.ckpt"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task KeepsOnlyTheLastK()
    {
        var store = Store(keepLast: 3);
        for (ulong revision = 1; revision <= 5; revision++)
            await store.WriteAsync(MakeState(revision, (int)revision), _ct);

        Assert.Equal([5UL, 4UL, 3UL], store.ListRevisions());
        Assert.Equal(3, Directory.GetFiles(_directory).Length);
    }

    [Fact]
    public async Task CorruptDataIsSkippedWithAWarningAndTheNextOlderLoads()
    {
        var older = MakeState(1, seed: 1);
        await Store().WriteAsync(older, _ct);
        await Store().WriteAsync(MakeState(2, seed: 2), _ct);
        FlipBit(PathOf(2), fromEnd: 100);

        var target = EmptyLike(older);
        var loaded = await Store().TryLoadNewestAsync(target, _ct);

        Assert.Equal(1UL, loaded);
        AssertSameContent(older, target);
        var warning = Assert.Single(_logger.Warnings);
        Assert.Contains("rev-2.ckpt", warning);
        Assert.Contains("content of key 'weights' does not match its hash", warning);
    }

    [Fact]
    public async Task CorruptManifestIsSkipped()
    {
        var older = MakeState(1, seed: 1);
        await Store().WriteAsync(older, _ct);
        await Store().WriteAsync(MakeState(2, seed: 2), _ct);
        FlipBit(PathOf(2), fromStart: 40);

        var loaded = await Store().TryLoadNewestAsync(EmptyLike(older), _ct);

        Assert.Equal(1UL, loaded);
        Assert.Contains(_logger.Warnings, w => w.Contains("rev-2.ckpt") && w.Contains("manifest does not match its hash"));
    }

    [Fact]
    public async Task TruncatedCheckpointIsSkipped()
    {
        var older = MakeState(1, seed: 1);
        await Store().WriteAsync(older, _ct);
        await Store().WriteAsync(MakeState(2, seed: 2), _ct);
        using (var file = File.OpenWrite(PathOf(2)))
            file.SetLength(file.Length - 1000);

        var loaded = await Store().TryLoadNewestAsync(EmptyLike(older), _ct);

        Assert.Equal(1UL, loaded);
        Assert.Contains(_logger.Warnings, w => w.Contains("rev-2.ckpt") && w.Contains("truncated"));
    }

    [Fact]
    public async Task PartialTempFileIsIgnored()
    {
        var state = MakeState(4, seed: 4);
        await Store().WriteAsync(state, _ct);
        // A writer that crashed before its rename leaves a newer, incomplete temp file.
        await File.WriteAllBytesAsync(PathOf(5) + $".tmp-{Guid.NewGuid():N}", new byte[123], _ct);

        var target = EmptyLike(state);
        var loaded = await Store().TryLoadNewestAsync(target, _ct);

        Assert.Equal(4UL, loaded);
        AssertSameContent(state, target);
        Assert.Empty(_logger.Warnings);
        Assert.Equal([4UL], Store().ListRevisions());
    }

    [Fact]
    public async Task AWriteDeletesOnlyTempFilesOfDeadWriters()
    {
        Directory.CreateDirectory(_directory);
        var filling = PathOf(6) + $".tmp-{Guid.NewGuid():N}";
        var abandoned = PathOf(3) + $".tmp-{Guid.NewGuid():N}";
        await File.WriteAllBytesAsync(filling, new byte[123], _ct);
        await File.WriteAllBytesAsync(abandoned, new byte[123], _ct);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow - CheckpointStore.StaleTempAge - TimeSpan.FromSeconds(1));

        await Store().WriteAsync(MakeState(6, seed: 6), _ct);

        Assert.True(File.Exists(filling), "another peer of the group sharing the directory is still writing this file");
        Assert.False(File.Exists(abandoned));
    }

    [Fact]
    public async Task MismatchingShapeIsSkippedAndTargetUntouched()
    {
        await Store().WriteAsync(MakeState(1, seed: 1), _ct);
        var buffer = new float[4999];
        var target = new SharedState([SharedStateEntry.Create<float>("weights", buffer), SharedStateEntry.Create<long>("steps", new long[2]),
            SharedStateEntry.Create<byte>("rng", new byte[17])], revision: 77);

        var loaded = await Store().TryLoadNewestAsync(target, _ct);

        Assert.Null(loaded);
        Assert.Equal(77UL, target.Revision);
        Assert.All(buffer, x => Assert.Equal(0f, x));
        Assert.Contains(_logger.Warnings, w => w.Contains("rev-1.ckpt") && w.Contains("key 'weights' is 20000 bytes but the shared state expects 19996"));
    }

    [Fact]
    public async Task MissingKeyIsSkipped()
    {
        var state = MakeState(1, seed: 1);
        await Store().WriteAsync(state, _ct);
        var target = new SharedState([.. EmptyLike(state).Entries, SharedStateEntry.Create<int>("extra", new int[3])]);

        Assert.Null(await Store().TryLoadNewestAsync(target, _ct));
        Assert.Contains(_logger.Warnings, w => w.Contains("lacks key 'extra'"));
    }

    [Fact]
    public async Task EmptyOrMissingDirectoryLoadsNothing()
    {
        Assert.Null(await Store().TryLoadNewestAsync(MakeState(0, 1), _ct));
        Assert.Empty(Store().ListRevisions());
    }

    [Fact]
    public async Task RewritingARevisionReplacesIt()
    {
        await Store().WriteAsync(MakeState(3, seed: 1), _ct);
        var second = MakeState(3, seed: 2);
        await Store().WriteAsync(second, _ct);

        var target = EmptyLike(second);
        Assert.Equal(3UL, await Store().TryLoadNewestAsync(target, _ct));
        AssertSameContent(second, target);
    }

    [Fact]
    public void KeepLastBelowOneIsAConfigurationError()
    {
        var error = Assert.Throws<PcclException>(() => Store(keepLast: 0));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
    }

    private static void FlipBit(string path, long? fromStart = null, long? fromEnd = null)
    {
        var bytes = File.ReadAllBytes(path);
        var index = fromStart ?? bytes.Length - fromEnd!.Value;
        bytes[index] ^= 0x04;
        File.WriteAllBytes(path, bytes);
    }
}
