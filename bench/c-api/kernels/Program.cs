using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

// Per 64 MiB of float32 data, the median of 15 runs (ms) of: the sum kernel in the 256 KiB slices ReduceKernels hands
// to TensorPrimitives, once over one slice in cache (256 times) and once over 64 MiB out of cache; XxHash3 likewise.
const int Bytes = 64 << 20;
const int SliceElements = 256 * 1024 / sizeof(float);
const int Runs = 15;

var a = GC.AllocateUninitializedArray<float>(Bytes / sizeof(float), pinned: true);
var b = GC.AllocateUninitializedArray<float>(Bytes / sizeof(float), pinned: true);
for (var i = 0; i < a.Length; i++)
{
    a[i] = i % 7;
    b[i] = 1 + (i % 5);
}

// the build's name (run.sh passes it), else whether the JIT compiled this
var build = args.Length > 0 ? args[0] : RuntimeFeature.IsDynamicCodeCompiled ? "jit" : "aot";
var results = new Dictionary<string, double>
{
    ["add_in_cache_ms"] = Median(() =>
    {
        for (var r = 0; r < Bytes / (SliceElements * sizeof(float)); r++)
        {
            TensorPrimitives.Add(a.AsSpan(0, SliceElements), b.AsSpan(0, SliceElements), a.AsSpan(0, SliceElements));
        }
    }),
    ["add_64mib_ms"] = Median(() =>
    {
        for (var start = 0; start < a.Length; start += SliceElements)
        {
            TensorPrimitives.Add(a.AsSpan(start, SliceElements), b.AsSpan(start, SliceElements), a.AsSpan(start, SliceElements));
        }
    }),
    ["xxhash3_in_cache_ms"] = Median(() =>
    {
        for (var r = 0; r < Bytes / (SliceElements * sizeof(float)); r++)
        {
            XxHash3.HashToUInt64(MemoryMarshal.AsBytes(b.AsSpan(0, SliceElements)));
        }
    }),
    ["xxhash3_64mib_ms"] = Median(() => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(b.AsSpan()))),
};

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"build\":\"{build}\",\"vector_bytes\":{Vector<byte>.Count},\"vector256\":{(Vector256.IsHardwareAccelerated ? "true" : "false")},\"vector512\":{(Vector512.IsHardwareAccelerated ? "true" : "false")},{string.Join(',', results.Select(r => $"\"{r.Key}\":{r.Value:F2}"))}}}"));

static double Median(Action run)
{
    run();
    var times = new double[Runs];
    for (var i = 0; i < Runs; i++)
    {
        var clock = Stopwatch.StartNew();
        run();
        times[i] = clock.Elapsed.TotalMilliseconds;
    }

    Array.Sort(times);
    return times[Runs / 2];
}
