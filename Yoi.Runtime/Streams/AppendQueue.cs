using System.Threading.Channels;

namespace Yoi.Runtime.Streams;

/// <summary>
/// The bounded queue in front of a stream's one writer: any number of writers, one reader that takes a whole batch
/// under one lock. A writer that finds it full waits until the reader has drained it to half, so a producer that
/// outruns the log is woken once per half queue rather than once per event, which is what a bounded
/// <see cref="Channel{T}"/> does (one waiting writer released per item read, each by a thread-pool hop, with the
/// writer and the reader taking the channel's lock for every item: docs/benchmarks.md, append throughput).
/// </summary>
internal sealed class AppendQueue<T>
{
    private readonly Lock _gate = new();
    private readonly Queue<T> _items;
    private readonly int _capacity;
    private readonly int _resumeAt;
    private TaskCompletionSource? _room;           // writers waiting for the queue to drain to half
    private TaskCompletionSource<bool>? _readable; // the reader waiting for an item
    private bool _completed;

    public AppendQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _capacity = capacity;
        _resumeAt = capacity / 2;
        _items = new Queue<T>(capacity);
    }

    /// <summary>Items queued now.</summary>
    public int Count
    {
        get { lock (_gate) return _items.Count; }
    }

    /// <summary>Queues <paramref name="item"/>; waits while the queue is full. Throws <see cref="ChannelClosedException"/> once completed.</summary>
    public ValueTask WriteAsync(T item)
    {
        TaskCompletionSource<bool>? reader;
        lock (_gate)
        {
            if (_completed) return ValueTask.FromException(new ChannelClosedException());
            if (_room is not null || _items.Count >= _capacity) return WaitForRoomAsync(item);
            _items.Enqueue(item);
            reader = TakeReader();
        }
        reader?.TrySetResult(true);
        return ValueTask.CompletedTask;
    }

    private async ValueTask WaitForRoomAsync(T item)
    {
        while (true)
        {
            Task room;
            TaskCompletionSource<bool>? reader;
            lock (_gate)
            {
                if (_completed) throw new ChannelClosedException();
                if (_room is null && _items.Count < _capacity)
                {
                    _items.Enqueue(item);
                    reader = TakeReader();
                    room = Task.CompletedTask;
                }
                else
                {
                    reader = null;
                    room = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            }
            if (room.IsCompleted)
            {
                reader?.TrySetResult(true);
                return;
            }
            await room.ConfigureAwait(false);
        }
    }

    /// <summary>Moves up to <paramref name="max"/> items, oldest first, into <paramref name="batch"/>; returns how many.</summary>
    public int DequeueInto(List<T> batch, int max)
    {
        TaskCompletionSource? writers = null;
        int taken;
        lock (_gate)
        {
            taken = Math.Min(max, _items.Count);
            for (var i = 0; i < taken; i++) batch.Add(_items.Dequeue());
            if (_room is not null && _items.Count <= _resumeAt)
            {
                writers = _room;
                _room = null;
            }
        }
        writers?.TrySetResult();
        return taken;
    }

    /// <summary>True when an item is there (at once when one is); false once completed and empty.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_gate)
        {
            if (_items.Count > 0) return new ValueTask<bool>(true);
            if (_completed) return new ValueTask<bool>(false);
            _readable ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            return new ValueTask<bool>(_readable.Task);
        }
    }

    /// <summary>No more writes: waiting writers fail, the reader still gets what is queued.</summary>
    public void Complete()
    {
        TaskCompletionSource? writers;
        TaskCompletionSource<bool>? reader;
        lock (_gate)
        {
            if (_completed) return;
            _completed = true;
            writers = _room;
            _room = null;
            reader = TakeReader();
        }
        writers?.TrySetResult();
        reader?.TrySetResult(false);
    }

    private TaskCompletionSource<bool>? TakeReader()
    {
        var reader = _readable;
        _readable = null;
        return reader;
    }
}
