using System.Diagnostics;

namespace Pccl.Tests.Heartbeats;

/// <summary>
/// A clock the test moves by hand, on which one named thread stops while the clock is held: as that thread would when
/// a loaded host gives it no core, while datagrams keep arriving for it.
/// </summary>
internal sealed class HeldClock(string heldThread) : TimeProvider, IDisposable
{
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private long _now = Stopwatch.Frequency;

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override long GetTimestamp()
    {
        if (Thread.CurrentThread.Name == heldThread)
        {
            _running.Wait();
        }

        return Interlocked.Read(ref _now);
    }

    public void Hold() => _running.Reset();

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)(by.TotalSeconds * Stopwatch.Frequency));

    public void Release() => _running.Set();

    public void Dispose()
    {
        _running.Set();
        _running.Dispose();
    }
}
