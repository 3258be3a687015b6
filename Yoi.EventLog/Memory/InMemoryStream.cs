using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Memory;

/// <summary>
/// One stream of <see cref="InMemoryEventLog"/>: its retained entries and its Redis 7 metadata.
/// Not thread-safe by itself: every member is called under <see cref="Gate"/>.
/// </summary>
internal sealed class InMemoryStream
{
    private const int CompactThreshold = 1024;

    // Retained entries are _entries[_head..]; trimming advances _head and compacts now and then (amortized O(1)).
    private readonly List<LogEntry> _entries = [];
    private int _head;
    private List<TailWaiter>? _waiters;

    public Lock Gate { get; } = new();

    /// <summary>Created by an append (like XADD); false for a placeholder made only to wait on.</summary>
    public bool Exists { get; private set; }

    /// <summary>Removed from the log (DEL): whoever still holds it must look the stream up again.</summary>
    public bool Removed { get; private set; }

    /// <summary>A placeholder no tail waits on any more.</summary>
    public bool IsUnusedPlaceholder => !Exists && !Removed && _waiters is not { Count: > 0 };

    public StreamCursor LastGeneratedId { get; private set; }
    public long EntriesAdded { get; private set; }
    public int Length => _entries.Count - _head;

    /// <summary>Redis's next ID: the clock's millisecond, never behind the last ID; same millisecond bumps the sequence.</summary>
    public StreamCursor NextId(ulong nowMs) =>
        nowMs > LastGeneratedId.Milliseconds ? new StreamCursor(nowMs, 0) : LastGeneratedId.Successor();

    public void Add(LogEntry entry)
    {
        _entries.Add(entry);
        LastGeneratedId = entry.Cursor;
        EntriesAdded++;
        Exists = true;
    }

    public long TrimToLength(long maxLength)
    {
        var remove = Math.Max(0, Length - maxLength);
        return RemoveFirst((int)remove);
    }

    public long TrimBefore(StreamCursor minId) => RemoveFirst(IndexAfter(minId, inclusive: false) - _head);

    public StreamMetadata? Metadata() => !Exists ? null : new StreamMetadata(
        Length,
        LastGeneratedId,
        StreamCursor.Zero, // Redis moves max-deleted-entry-id only on XDEL, never on trimming; there is no XDEL here.
        Length == 0 ? null : _entries[_head].Cursor,
        Length == 0 ? null : _entries[^1].Cursor,
        EntriesAdded);

    public LogEntry? Last => Length == 0 ? null : _entries[^1];

    public bool Contains(StreamCursor id)
    {
        var i = IndexAfter(id, inclusive: false);
        return i < _entries.Count && _entries[i].Cursor == id;
    }

    public bool HasAfter(StreamCursor after) => Length > 0 && _entries[^1].Cursor > after;

    /// <summary>Up to <paramref name="maxCount"/> entries after <paramref name="after"/>; the only allocation is the result.</summary>
    public LogEntry[] ReadAfter(StreamCursor after, int maxCount)
    {
        var start = IndexAfter(after, inclusive: true);
        var count = Math.Min(Math.Max(maxCount, 0), _entries.Count - start);
        if (count == 0) return [];
        var result = new LogEntry[count];
        _entries.CopyTo(start, result, 0, count);
        return result;
    }

    public void AddWaiter(TailWaiter waiter) => (_waiters ??= []).Add(waiter);

    public void RemoveWaiter(TailWaiter waiter) => _waiters?.Remove(waiter);

    /// <summary>Takes the tails waiting on this stream; the caller wakes them after leaving the lock.</summary>
    public List<TailWaiter>? TakeWaiters()
    {
        var waiters = _waiters;
        _waiters = null;
        return waiters;
    }

    /// <summary>Like DEL: the entries and metadata go; waiting tails are handed back to be woken.</summary>
    public List<TailWaiter>? Remove()
    {
        Removed = true;
        Exists = false;
        _entries.Clear();
        _head = 0;
        return TakeWaiters();
    }

    /// <summary>Index of the first retained entry with ID &gt; <paramref name="id"/> (or &gt;= when not inclusive).</summary>
    private int IndexAfter(StreamCursor id, bool inclusive)
    {
        int lo = _head, hi = _entries.Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var cmp = _entries[mid].Cursor.CompareTo(id);
            if (cmp < 0 || (inclusive && cmp == 0)) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private long RemoveFirst(int count)
    {
        if (count <= 0) return 0;
        for (var i = _head; i < _head + count; i++) _entries[i] = null!; // let trimmed payloads go before compaction
        _head += count;
        if (_head == _entries.Count)
        {
            _entries.Clear();
            _head = 0;
        }
        else if (_head >= CompactThreshold && _head >= _entries.Count / 2)
        {
            _entries.RemoveRange(0, _head);
            _head = 0;
        }
        return count;
    }
}
