using System.Text.Json;
using Yoi.BackendService.Observation;
using Yoi.BackendService.Projection;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// A worker event as one client sees it: its cursor and its projected <c>{"event","data"}</c> bytes; or a notice of the
/// Backend about the runtime (<see cref="IsNotice"/>: a diagnostic frame <c>{"kind":"diagnostic","code","message"}</c>,
/// at the feed's position, moving no position).
/// </summary>
internal readonly record struct FeedItem(StreamCursor Cursor, ReadOnlyMemory<byte> Payload, bool IsNotice = false);

/// <summary>
/// One AG-UI client's events of a worker stream, in cursor order: the log after a position (the client's backlog),
/// then the Backend's shared tail of the stream (<see cref="StreamTailReader"/>: one read for every client, frames built
/// once per projection, a bounded queue per client), switched over without gap or duplicate exactly as the WebSocket
/// does. Subscribe first, then decide the start position: nothing appended in between is missed.
/// </summary>
internal sealed class AgUiFeed : IAsyncDisposable
{
    private const int BacklogPage = 512;

    private readonly IEventLog _log;
    private readonly StreamTailReader _tail;
    private readonly string _stream;
    private readonly string _runtimeId;
    private readonly string _workerId;
    private readonly EventProjection _projection;
    private readonly ObservationSubscriber _subscriber;
    private readonly Queue<LogEntry> _backlog = new();
    private StreamHub? _hub;
    private StreamCursor _position;
    private bool _started;
    private bool _needRead = true;
    private bool _live;

    private AgUiFeed(IEventLog log, StreamTailReader tail, string stream, string runtimeId, string workerId, EventProjection projection,
        int capacity, Action onSlow)
    {
        _log = log;
        _tail = tail;
        _stream = stream;
        _runtimeId = runtimeId;
        _workerId = workerId;
        _projection = projection;
        _subscriber = new ObservationSubscriber(projection, capacity, onSlow);
    }

    /// <summary>The client fell behind its bounded queue; the feed ended (it resumes with its last id).</summary>
    public bool IsSlow => _subscriber.IsSlow;

    /// <summary>
    /// Retention trimmed events after <see cref="Position"/> before this client read them; the feed ended (it resumes
    /// with its last id and is told <c>cursor_expired</c>). Never a silent jump over the gap.
    /// </summary>
    public bool IsGap { get; private set; }

    /// <summary>The cursor of the last item read (or the start position).</summary>
    public StreamCursor Position => _position;

    public static async Task<AgUiFeed> SubscribeAsync(IEventLog log, StreamTailReader tail, string stream, string runtimeId, string workerId,
        EventProjection projection, int capacity, Action onSlow, CancellationToken cancellationToken)
    {
        var feed = new AgUiFeed(log, tail, stream, runtimeId, workerId, projection, capacity, onSlow);
        feed._hub = await tail.SubscribeAsync(stream, runtimeId, workerId, feed._subscriber, cancellationToken);
        return feed;
    }

    /// <summary>Items come after <paramref name="position"/>.</summary>
    public void StartAfter(StreamCursor position)
    {
        _position = position;
        _started = true;
    }

    /// <summary>The next item; null when the feed ended (the client was too slow, a gap, or the wait was cancelled).</summary>
    public async ValueTask<FeedItem?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!_started) throw new InvalidOperationException("StartAfter first.");
        while (true)
        {
            if (!_live)
            {
                if (_backlog.TryDequeue(out var entry))
                {
                    _position = entry.Cursor;
                    if (FrameFactory.Event(entry.Cursor, _runtimeId, _workerId, entry.Payload.Span, _projection) is { } frame)
                        return new FeedItem(entry.Cursor, PayloadOf(frame));
                    continue; // dropped by the projection: passed, not sent
                }
                if (_needRead)
                {
                    // Checked on every page: a producer faster than this client can trim entries it has not read yet.
                    var page = await _log.ReadAfterClientCursorAsync(_stream, _position, BacklogPage, cancellationToken);
                    if (page.Status != CursorStatus.Retained)
                    {
                        IsGap = true;
                        _subscriber.Complete();
                        return null;
                    }
                    foreach (var e in page.Entries) _backlog.Enqueue(e);
                    _needRead = page.Entries.Count == BacklogPage;
                    if (page.Entries.Count > 0) continue;
                }
                // The live buffer overflowed while the backlog was read: read the backlog again from here.
                if (!_subscriber.TryGoLive(_position))
                {
                    _needRead = true;
                    continue;
                }
                _live = true;
            }
            while (_subscriber.TryRead(out var frame))
            {
                if (frame.IsNotice) return new FeedItem(_position, frame.Bytes, IsNotice: true);
                if (frame.IsGap)
                {
                    // The shared read found entries trimmed before it read them: what follows does not continue this.
                    IsGap = true;
                    _subscriber.Complete();
                    return null;
                }
                if (frame.Cursor <= _position) continue;
                _position = frame.Cursor;
                return new FeedItem(frame.Cursor, PayloadOf(frame.Bytes));
            }
            using (cancellationToken.UnsafeRegister(static s => ((ObservationSubscriber)s!).Complete(), _subscriber))
            {
                if (!await _subscriber.WaitToReadAsync()) return null;
            }
        }
    }

    /// <summary>The <c>payload</c> of an event frame built by <see cref="FrameFactory.Event"/> (the frame the hub shares).</summary>
    internal static ReadOnlyMemory<byte> PayloadOf(ReadOnlyMemory<byte> frame)
    {
        var reader = new Utf8JsonReader(frame.Span);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isPayload = reader.ValueTextEquals("payload"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isPayload) return frame[start..(int)reader.BytesConsumed];
        }
        throw new InvalidOperationException("An event frame without a payload.");
    }

    public ValueTask DisposeAsync()
    {
        _subscriber.Complete();
        if (_hub is not null) _tail.Unsubscribe(_hub, _subscriber);
        return ValueTask.CompletedTask;
    }
}
