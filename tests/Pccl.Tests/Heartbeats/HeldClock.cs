using System.Diagnostics;

namespace Pccl.Tests.Heartbeats;

/// <summary>
/// A clock the test moves by hand, on which one named thread stops while the clock is held: as that thread would when
/// a loaded host gives it no core, while datagrams keep arriving for it.
/// </summary>
internal sealed class HeldClock(string heldThread) : TimeProvider, IDisposable
{
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private readonly ManualResetEventSlim _parked = new(initialState: false);
    private long _now = Stopwatch.Frequency;

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override long GetTimestamp()
    {
        if (Thread.CurrentThread.Name == heldThread && !_running.IsSet)
        {
            _parked.Set();
            _running.Wait();
        }

        return Interlocked.Read(ref _now);
    }

    public void Hold()
    {
        _parked.Reset();
        _running.Reset();
    }

    /// <summary>Waits until the held thread has stopped in the clock.</summary>
    public bool WaitUntilParked(TimeSpan patience) => _parked.Wait(patience);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)(by.TotalSeconds * Stopwatch.Frequency));

    public void Release() => _running.Set();

    /// <summary>Lets the thread go; the events are left to the finalizer, since the thread may still read the clock.</summary>
    public void Dispose() => _running.Set();
}
