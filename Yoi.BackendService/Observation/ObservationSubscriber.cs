using System.Threading.Tasks.Sources;
using Yoi.BackendService.Projection;
using Yoi.Protocol.Cursors;

namespace Yoi.BackendService.Observation;

/// <summary>
/// A frame ready to send: its cursor and its bytes, shared by every client of one projection. A notice (a diagnostic
/// about the runtime) has no cursor of its own: it is sent where it falls and moves no position.
/// </summary>
public readonly record struct OutgoingFrame(StreamCursor Cursor, ReadOnlyMemory<byte> Bytes, bool IsNotice = false)
{
    /// <summary>
    /// Not a frame but a mark: the shared read found entries trimmed before it could read them, so what follows does
    /// not continue what came before. Its cursor is the highest, so nothing before it is ever taken for a duplicate
    /// of it and it is never skipped.
    /// </summary>
    public static readonly OutgoingFrame Gap = new(StreamCursor.Max, ReadOnlyMemory<byte>.Empty);

    public bool IsGap => Bytes.IsEmpty && !IsNotice;
}

/// <summary>
/// One WebSocket client's place in a <see cref="StreamHub"/>. While the connection replays its backlog, live frames
/// are buffered (bounded; an overflow only means "read the backlog again"); once live, frames go to a bounded
/// queue the connection drains. A full queue marks the client slow and completes the queue: the connection sends
/// what is queued, then <c>slow_consumer</c> and close 4408. Other clients are never held up. <c>onSlow</c> is called
/// once, when the client is marked slow.
/// </summary>
/// <remarks>
/// One queue serves as the backlog buffer and then as the live queue, and one reader waits on it through this object
/// itself (<see cref="IValueTaskSource{TResult}"/>): an idle connection holds this object, its lock and an empty
/// queue, no channel (docs/benchmarks.md, "memory per idle connection").
/// </remarks>
public sealed class ObservationSubscriber(EventProjection projection, int capacity, Action? onSlow = null) : IValueTaskSource<bool>
{
    private readonly Lock _gate = new();
    private readonly Queue<OutgoingFrame> _frames = new();
    private ManualResetValueTaskSourceCore<bool> _reader = new() { RunContinuationsAsynchronously = true };
    private bool _live;
    private bool _overflowed;
    private bool _completed;
    private bool _readerWaiting;
    private volatile bool _slow;

    public EventProjection Projection { get; } = projection;
    public bool IsSlow => _slow;

    /// <summary>Called by the hub, in cursor order, from the one tail loop. Never blocks.</summary>
    public void Deliver(OutgoingFrame frame)
    {
        lock (_gate)
        {
            if (_completed) return;
            if (!_live)
            {
                if (_overflowed) return;
                if (_frames.Count >= capacity)
                {
                    _overflowed = true;
                    _frames.Clear();
                }
                else _frames.Enqueue(frame);
                return;
            }
            if (_frames.Count >= capacity)
            {
                _slow = true;
                CompleteLocked();
                onSlow?.Invoke(); // only schedules: it runs under the lock, on the tail loop
                return;
            }
            _frames.Enqueue(frame);
            WakeReaderLocked(true);
        }
    }

    /// <summary>A notice for this client (<see cref="OutgoingFrame.IsNotice"/>), queued like a frame.</summary>
    public void Notify(ReadOnlyMemory<byte> bytes) => Deliver(new OutgoingFrame(default, bytes, IsNotice: true));

    /// <summary>
    /// Switches to live after the backlog was sent up to <paramref name="lastSent"/>: buffered frames after it stay
    /// queued. False when the buffer overflowed meanwhile: read the backlog again from <paramref name="lastSent"/>.
    /// </summary>
    public bool TryGoLive(StreamCursor lastSent)
    {
        lock (_gate)
        {
            if (_live) return true;
            if (_overflowed)
            {
                _overflowed = false;
                _frames.Clear();
                return false;
            }
            // Frames arrive in cursor order, so those the backlog already sent are at the front.
            while (_frames.TryPeek(out var frame) && !frame.IsNotice && frame.Cursor <= lastSent) _frames.Dequeue();
            _live = true;
            if (_frames.Count > 0) WakeReaderLocked(true);
            return true;
        }
    }

    /// <summary>
    /// Waits until a frame can be read (true) or the queue is completed and empty (false). One reader, after
    /// <see cref="TryGoLive"/>; it is woken by <see cref="Complete"/> as well, so it needs no cancellation token.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_gate)
        {
            if (_live && _frames.Count > 0) return new ValueTask<bool>(true);
            if (_completed) return new ValueTask<bool>(false);
            if (_readerWaiting) throw new InvalidOperationException("The subscriber has one reader.");
            _reader.Reset();
            _readerWaiting = true;
            return new ValueTask<bool>(this, _reader.Version);
        }
    }

    /// <summary>The next queued frame; none before <see cref="TryGoLive"/> (the backlog buffer is not for reading).</summary>
    public bool TryRead(out OutgoingFrame frame)
    {
        lock (_gate)
        {
            if (_live) return _frames.TryDequeue(out frame);
            frame = default;
            return false;
        }
    }

    /// <summary>Ends the queue (the connection is closing for another reason): frames already queued can still be read.</summary>
    public void Complete()
    {
        lock (_gate) CompleteLocked();
    }

    private void CompleteLocked()
    {
        _completed = true;
        WakeReaderLocked(_live && _frames.Count > 0);
    }

    private void WakeReaderLocked(bool canRead)
    {
        if (!_readerWaiting) return;
        _readerWaiting = false;
        _reader.SetResult(canRead); // continuations run on the thread pool, never under this lock
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _reader.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _reader.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _reader.OnCompleted(continuation, state, token, flags);
}
