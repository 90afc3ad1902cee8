namespace Pccl.Native.Handles;

/// <summary>
/// The objects behind the opaque pointers handed to C. A handle is never a real address: it carries the table's kind,
/// a slot index and the slot's generation, so a destroyed handle (the generation moved on), a handle of another kind
/// or an invented value is found to be stale instead of being dereferenced.
/// </summary>
internal sealed class HandleTable<T>(byte kind) where T : class
{
    private const int IndexBits = 24;
    private const ulong IndexMask = (1UL << IndexBits) - 1;
    private readonly Lock _lock = new();
    private readonly List<Slot> _slots = [];
    private readonly Stack<int> _free = new();

    /// <summary>Stores <paramref name="value"/> and returns its handle.</summary>
    public nint Add(T value)
    {
        lock (_lock)
        {
            int index;
            if (_free.TryPop(out var reused))
            {
                index = reused;
            }
            else
            {
                if ((ulong)_slots.Count >= IndexMask)
                {
                    throw new InvalidOperationException("handle table is full");
                }

                index = _slots.Count;
                _slots.Add(new Slot());
            }

            var slot = _slots[index];
            slot.Value = value;
            return Encode(index, slot.Generation);
        }
    }

    /// <summary>The live object of <paramref name="handle"/>, or null when the handle is stale, foreign or invented.</summary>
    public T? Find(nint handle)
    {
        lock (_lock)
        {
            return Locate(handle)?.Value;
        }
    }

    /// <summary>Removes and returns the object of <paramref name="handle"/>; null when it was already removed or never existed.</summary>
    public T? Remove(nint handle)
    {
        lock (_lock)
        {
            if (Locate(handle) is not { } slot)
            {
                return null;
            }

            var value = slot.Value;
            slot.Value = null;
            slot.Generation = (slot.Generation + 1) & 0xFFFFFF;
            _free.Push(Index(handle));
            return value;
        }
    }

    private Slot? Locate(nint handle)
    {
        var bits = (ulong)handle;
        if (bits >> 56 != kind)
        {
            return null;
        }

        var index = Index(handle);
        if (index < 0 || index >= _slots.Count)
        {
            return null;
        }

        var slot = _slots[index];
        return slot.Value is not null && slot.Generation == (uint)((bits >> 32) & 0xFFFFFF) ? slot : null;
    }

    private static int Index(nint handle) => (int)((ulong)handle & IndexMask) - 1;

    private nint Encode(int index, uint generation) => (nint)(((ulong)kind << 56) | ((ulong)generation << 32) | (uint)(index + 1));

    private sealed class Slot
    {
        public T? Value;
        public uint Generation;
    }
}
