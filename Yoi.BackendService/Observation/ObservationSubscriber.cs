using System.Threading.Channels;
using Yoi.BackendService.Projection;
using Yoi.Protocol.Cursors;

namespace Yoi.BackendService.Observation;

/// <summary>A frame ready to send: its cursor and its bytes, shared by every client of one projection.</summary>
public readonly record struct OutgoingFrame(StreamCursor Cursor, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// One WebSocket client's place in a <see cref="StreamHub"/>. While the connection replays its backlog, live frames
/// are buffered (bounded; an overflow only means "read the backlog again"); once live, frames go to a bounded
/// queue the connection drains. A full queue marks the client slow and completes the queue: the connection sends
/// what is queued, then <c>slow_consumer</c> and close 4408. Other clients are never held up. <c>onSlow</c> is called
/// once, when the client is marked slow (from the tail loop: it must only schedule work).
/// </summary>
public sealed class ObservationSubscriber(EventProjection projection, int capacity, Action? onSlow = null)
{
    private readonly Lock _gate = new();
    private readonly Channel<OutgoingFrame> _queue = Channel.CreateBounded<OutgoingFrame>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private List<OutgoingFrame>? _buffer = [];
    private bool _overflowed;
    private volatile bool _slow;

    public EventProjection Projection { get; } = projection;
    public bool IsSlow => _slow;
    public ChannelReader<OutgoingFrame> Queue => _queue.Reader;

    /// <summary>Called by the hub, in cursor order, from the one tail loop. Never blocks.</summary>
    public void Deliver(OutgoingFrame frame)
    {
        lock (_gate)
        {
            if (_buffer is { } buffer)
            {
                if (_overflowed) return;
                if (buffer.Count >= capacity)
                {
                    _overflowed = true;
                    buffer.Clear();
                }
                else buffer.Add(frame);
                return;
            }
            Enqueue(frame);
        }
    }

    /// <summary>
    /// Switches to live after the backlog was sent up to <paramref name="lastSent"/>: buffered frames after it are
    /// queued. False when the buffer overflowed meanwhile: read the backlog again from <paramref name="lastSent"/>.
    /// </summary>
    public bool TryGoLive(StreamCursor lastSent)
    {
        lock (_gate)
        {
            if (_buffer is not { } buffer) return true;
            if (_overflowed)
            {
                _overflowed = false;
                buffer.Clear();
                return false;
            }
            foreach (var frame in buffer)
            {
                if (frame.Cursor > lastSent) Enqueue(frame);
            }
            _buffer = null;
            return true;
        }
    }

    /// <summary>Ends the queue (the connection is closing for another reason).</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private void Enqueue(OutgoingFrame frame)
    {
        if (_slow || _queue.Writer.TryWrite(frame)) return;
        _slow = true;
        _queue.Writer.TryComplete();
        onSlow?.Invoke();
    }
}
