using System.IO.MemoryMappedFiles;

namespace Pccl.Cli.Wan;

/// <summary>
/// Bytes delivered over each direction of the emulated paths, in a small memory-mapped file the forwarder writes and
/// bench workers read around each timed operation (processes in different namespaces share the file system).
/// </summary>
internal sealed unsafe class PathCounters : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long* _counters;

    private PathCounters(MemoryMappedFile file, int count)
    {
        _file = file;
        Count = count;
        _view = file.CreateViewAccessor(0, count * sizeof(long));
        byte* start = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _counters = (long*)(start + _view.PointerOffset);
    }

    public int Count { get; }

    /// <summary>A fresh file of <paramref name="count"/> zeroed counters.</summary>
    public static PathCounters Create(string path, int count)
    {
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
        {
            stream.SetLength(count * sizeof(long));
        }

        return new PathCounters(MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite), count);
    }

    public static PathCounters Open(string path)
    {
        var length = new FileInfo(path).Length;
        return new PathCounters(MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite), (int)(length / sizeof(long)));
    }

    public void Add(int direction, long bytes) => Interlocked.Add(ref _counters[direction], bytes);

    public long[] Snapshot()
    {
        var values = new long[Count];
        for (var i = 0; i < Count; i++)
        {
            values[i] = Volatile.Read(ref _counters[i]);
        }

        return values;
    }

    /// <summary>Bytes over the busiest direction between two snapshots: the one that bounds the operation.</summary>
    public static long Busiest(long[] before, long[] after) => after.Select((a, i) => a - before[i]).DefaultIfEmpty(0).Max();

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
