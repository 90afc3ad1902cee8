using System.Buffers;
using System.IO.Hashing;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Operations.StateSync;

namespace Pccl.Hosting.Checkpoints;

/// <summary>
/// Writes a <see cref="SharedState"/> to one file per revision and loads the newest one that verifies.
/// A write goes to a temp file that is flushed to disk before it is renamed into place, so a crash leaves
/// either the previous checkpoints or the new one complete, never a torn file under a checkpoint name.
/// Loading checks every key, type, length and content hash before it touches the target's buffers.
/// The peers of one group may share a directory: they write the same content per revision, and a write deletes only
/// temp files older than <see cref="StaleTempAge"/>, never one that another writer is still filling.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>A temp file untouched for this long belongs to a writer that died.</summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromMinutes(1);

    private readonly CheckpointStoreOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a store over <see cref="CheckpointStoreOptions.Directory"/> (created on first write).</summary>
    /// <exception cref="PcclException">The options are invalid.</exception>
    public CheckpointStore(CheckpointStoreOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Directory))
            throw new PcclException(PcclErrorCode.InvalidConfiguration, "The checkpoint directory is empty; set it to a writable path.");
        if (options.KeepLast < 1)
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"The checkpoint store must keep at least 1 checkpoint, not {options.KeepLast}.");
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Writes <paramref name="state"/> as the checkpoint of its revision (replacing one of the same revision) and prunes old ones.</summary>
    /// <returns>The path of the checkpoint file.</returns>
    /// <remarks>The state's buffers must not change while this runs.</remarks>
    public async Task<string> WriteAsync(SharedState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(_options.Directory);
        var hashes = TensorHasher.HashAll([.. state.Entries.Select(e => (ReadOnlyMemory<byte>)e.Content)]);
        var entries = state.Entries
            .Select((e, i) => new CheckpointManifestEntry(e.Key, e.DataType.ToString(), e.Content.Length, CheckpointFile.FormatHash(hashes[i])))
            .ToArray();
        var manifest = JsonSerializer.SerializeToUtf8Bytes(
            new CheckpointManifest(state.Revision, TensorHasher.DefaultBlockSize, entries), CheckpointJsonContext.Default.CheckpointManifest);

        var path = Path.Combine(_options.Directory, CheckpointFile.NameFor(state.Revision));
        var temp = $"{path}.tmp-{Guid.NewGuid():N}";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await file.WriteAsync(CheckpointFile.Header(manifest), cancellationToken);
                await file.WriteAsync(manifest, cancellationToken);
                foreach (var entry in state.Entries)
                    await file.WriteAsync(entry.Content, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        CheckpointLog.Written(_logger, path, state.Revision, state.TotalBytes);
        Prune();
        return path;
    }

    /// <summary>
    /// Loads the newest checkpoint that matches <paramref name="target"/> (same keys, types and lengths) and
    /// whose content hashes verify, into the target's buffers, and sets its revision. Corrupt, partial or
    /// mismatching checkpoints are skipped with a warning naming the file and the reason.
    /// </summary>
    /// <returns>The revision loaded, or null when no checkpoint qualifies (the target is then untouched).</returns>
    public async Task<ulong?> TryLoadNewestAsync(SharedState target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        foreach (var (path, revision) in Checkpoints())
        {
            try
            {
                var (manifest, dataOffset, reason) = await VerifyAsync(path, revision, target, cancellationToken);
                if (reason is not null)
                {
                    CheckpointLog.Skipped(_logger, path, reason);
                    continue;
                }

                reason = await LoadAsync(path, dataOffset, manifest!, target, cancellationToken);
                if (reason is not null)
                {
                    CheckpointLog.Skipped(_logger, path, reason);
                    continue;
                }

                target.Revision = revision;
                CheckpointLog.Loaded(_logger, path, revision);
                return revision;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                CheckpointLog.Skipped(_logger, path, $"{e.GetType().Name}: {e.Message}");
            }
        }

        CheckpointLog.NoneFound(_logger, _options.Directory);
        return null;
    }

    /// <summary>Revisions of the checkpoint files present (by name; not verified), highest first.</summary>
    public IReadOnlyList<ulong> ListRevisions() => [.. Checkpoints().Select(c => c.Revision)];

    private IEnumerable<(string Path, ulong Revision)> Checkpoints()
    {
        if (!Directory.Exists(_options.Directory))
            return [];
        return Directory.EnumerateFiles(_options.Directory)
            .Select(p => (Path: p, Revision: CheckpointFile.RevisionOf(p)))
            .Where(c => c.Revision is not null)
            .Select(c => (c.Path, Revision: c.Revision!.Value))
            .OrderByDescending(c => c.Revision)
            .ToArray();
    }

    // Reads the header and manifest, checks them against the target, and hashes the content from the file
    // without touching the target. Returns the reason the file is unusable, or null.
    private static async Task<(CheckpointManifest? Manifest, long DataOffset, string? Reason)> VerifyAsync(
        string path, ulong revision, SharedState target, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var header = new byte[CheckpointFile.HeaderLength];
        var headerRead = await file.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        var reason = CheckpointFile.TryParseHeader(header.AsSpan(0, headerRead), file.Length, out var manifestLength, out var manifestHash);
        if (reason is not null)
            return (null, 0, reason);

        var manifestBytes = new byte[manifestLength];
        await file.ReadExactlyAsync(manifestBytes, cancellationToken);
        if (XxHash3.HashToUInt64(manifestBytes) != manifestHash)
            return (null, 0, "the manifest does not match its hash (corrupt header or manifest)");

        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(manifestBytes, CheckpointJsonContext.Default.CheckpointManifest);
        }
        catch (JsonException e)
        {
            return (null, 0, $"the manifest is not valid JSON ({e.Message})");
        }

        var dataOffset = (long)CheckpointFile.HeaderLength + manifestLength;
        reason = manifest is null ? "the manifest is empty" : CheckAgainstTarget(manifest, revision, target, file.Length - dataOffset);
        if (reason is not null)
            return (null, 0, reason);

        var buffer = ArrayPool<byte>.Shared.Rent(manifest!.BlockSize);
        try
        {
            foreach (var entry in manifest.Entries)
            {
                var blockHashes = new ulong[TensorHasher.BlockCount(entry.ByteLength, manifest.BlockSize)];
                for (var block = 0; block < blockHashes.Length; block++)
                {
                    var (_, length) = TensorHasher.BlockRange(entry.ByteLength, block, manifest.BlockSize);
                    await file.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
                    blockHashes[block] = TensorHasher.HashBlock(buffer.AsSpan(0, length));
                }
                if (CheckpointFile.FormatHash(TensorHasher.Combine(blockHashes, entry.ByteLength)) != entry.Hash)
                    return (null, 0, $"the content of key '{entry.Key}' does not match its hash (corrupt data)");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return (manifest, dataOffset, null);
    }

    private static string? CheckAgainstTarget(CheckpointManifest manifest, ulong revision, SharedState target, long dataLength)
    {
        if (manifest.Revision != revision)
            return $"the manifest says revision {manifest.Revision} but the file name says {revision}";
        if (manifest.BlockSize is < 4096 or > 1 << 30)
            return $"block size {manifest.BlockSize} is out of range";
        if (manifest.Entries is null)
            return "the manifest lists no entries";

        var keys = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (var entry in manifest.Entries)
        {
            if (entry?.Key is null || entry.DataType is null || entry.Hash is null)
                return "the manifest has an incomplete entry";
            if (!keys.Add(entry.Key))
                return $"key '{entry.Key}' appears twice";
            var expected = target.Find(entry.Key);
            if (expected is null)
                return $"it holds key '{entry.Key}', which the shared state does not have";
            if (!Enum.TryParse<PcclDataType>(entry.DataType, ignoreCase: false, out var type) || !Enum.IsDefined(type) || type != expected.DataType)
                return $"key '{entry.Key}' has data type {entry.DataType} but the shared state expects {expected.DataType}";
            if (entry.ByteLength != expected.Content.Length)
                return $"key '{entry.Key}' is {entry.ByteLength} bytes but the shared state expects {expected.Content.Length}";
            if (!CheckpointFile.TryParseHash(entry.Hash, out _))
                return $"key '{entry.Key}' has a malformed hash '{entry.Hash}'";
            total += entry.ByteLength;
        }

        var missing = target.Entries.FirstOrDefault(e => !keys.Contains(e.Key));
        if (missing is not null)
            return $"it lacks key '{missing.Key}' of the shared state";
        if (dataLength != total)
            return dataLength < total
                ? $"the file is truncated: {dataLength} data bytes where the manifest lists {total}"
                : $"the file has {dataLength - total} bytes after the data the manifest lists";
        return null;
    }

    // Second pass, after verification: reads straight into the target's buffers and checks the hashes again,
    // so a file changed between the passes is caught too.
    private static async Task<string?> LoadAsync(
        string path, long dataOffset, CheckpointManifest manifest, SharedState target, CancellationToken cancellationToken)
    {
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            file.Position = dataOffset;
            foreach (var entry in manifest.Entries)
                await file.ReadExactlyAsync(target.Find(entry.Key)!.Content, cancellationToken);
        }

        foreach (var entry in manifest.Entries)
        {
            if (CheckpointFile.FormatHash(TensorHasher.Hash(target.Find(entry.Key)!.Content, manifest.BlockSize)) != entry.Hash)
                return $"the content of key '{entry.Key}' changed while it was loaded";
        }
        return null;
    }

    private void Prune()
    {
        foreach (var (path, _) in Checkpoints().Skip(_options.KeepLast))
        {
            if (TryDelete(path))
                CheckpointLog.Pruned(_logger, path);
        }
        var staleBefore = DateTime.UtcNow - StaleTempAge;
        foreach (var stale in Directory.EnumerateFiles(_options.Directory).Where(CheckpointFile.IsTempFile))
        {
            if (File.GetLastWriteTimeUtc(stale) < staleBefore)
                TryDelete(stale);
        }
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CheckpointLog.PruneFailed(_logger, path, e.Message);
            return false;
        }
    }
}
