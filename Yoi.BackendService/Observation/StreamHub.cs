using System.Collections.Immutable;
using Yoi.BackendService.Projection;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;

namespace Yoi.BackendService.Observation;

/// <summary>
/// The subscribers of one observed stream (a worker's events, or a runtime's lifecycle stream). The
/// <see cref="StreamTailReader"/> reads the stream once for all of them and calls <see cref="Publish"/>; each entry
/// becomes frame bytes once per distinct projection among the subscribers, and the same bytes go to each of them.
/// </summary>
public sealed class StreamHub
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ImmutableArray<ObservationSubscriber> _subscribers = [];

    internal StreamHub(string stream, string runtimeId, string? workerId)
    {
        Stream = stream;
        RuntimeId = runtimeId;
        WorkerId = workerId;
        Label = workerId is null ? runtimeId + "/events" : runtimeId + "/" + workerId;
    }

    /// <summary>The internal stream key (never shown to clients).</summary>
    public string Stream { get; }
    public string RuntimeId { get; }
    /// <summary>The worker of a worker stream; null for the runtime-wide stream (worker id read per entry).</summary>
    public string? WorkerId { get; }
    /// <summary>A client-safe name for telemetry: <c>rt/worker</c> or <c>rt/events</c>.</summary>
    public string Label { get; }

    /// <summary>The tail continues after this cursor; every later entry is published.</summary>
    public StreamCursor Position { get; private set; }

    public Task Ready => _ready.Task;
    internal bool IsReady => _ready.Task.IsCompletedSuccessfully;
    internal int Count => _subscribers.Length;

    internal void Add(ObservationSubscriber subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Add(subscriber));
    internal void Remove(ObservationSubscriber subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Remove(subscriber));

    internal void Start(StreamCursor position)
    {
        Position = position;
        _ready.TrySetResult();
    }

    internal void Fail(Exception error) => _ready.TrySetException(error);

    /// <summary>Queues a notice (a diagnostic frame) for every subscriber.</summary>
    internal void Notify(ReadOnlyMemory<byte> frame)
    {
        foreach (var subscriber in _subscribers) subscriber.Notify(frame);
    }

    /// <summary>
    /// Publishes entries read after <see cref="Position"/>, oldest first. Called only by the tail loop.
    /// <paramref name="gap"/>: retention removed entries between <see cref="Position"/> and these, so every
    /// subscriber first gets <see cref="OutgoingFrame.Gap"/> and starts again from a snapshot, as a reconnecting
    /// client with an expired cursor would.
    /// </summary>
    internal void Publish(IReadOnlyList<LogEntry> entries, bool gap = false)
    {
        var subscribers = _subscribers;
        if (gap)
        {
            BackendTelemetry.LiveGaps.Add(1);
            foreach (var subscriber in subscribers) subscriber.Deliver(OutgoingFrame.Gap);
        }
        foreach (var entry in entries)
        {
            if (entry.Cursor <= Position) continue;
            Position = entry.Cursor;
            if (subscribers.IsEmpty) continue;

            using var receive = BackendTelemetry.StartReceive(RuntimeId, WorkerId, entry);
            var workerId = WorkerId;
            var payload = WorkerId is null ? FrameFactory.SplitRuntimeEntry(entry.Payload, out workerId) : entry.Payload;
            var frames = new FramesByProjection();
            foreach (var subscriber in subscribers)
            {
                if (!frames.TryGet(subscriber.Projection, out var frame))
                {
                    frame = Build(entry.Cursor, workerId, payload, subscriber.Projection, receive, subscribers);
                    frames.Add(subscriber.Projection, frame);
                }
                if (frame is not null) subscriber.Deliver(new OutgoingFrame(entry.Cursor, frame));
            }
        }
    }

    private byte[]? Build(StreamCursor cursor, string? workerId, ReadOnlyMemory<byte> payload, EventProjection projection,
        System.Diagnostics.Activity? receive, ImmutableArray<ObservationSubscriber> subscribers)
    {
        using var deliver = receive is null ? null
            : BackendTelemetry.StartDeliver(receive.Context, subscribers.Count(s => ReferenceEquals(s.Projection, projection)));
        deliver?.SetTag("yoi.projection", projection.Name);
        return FrameFactory.Event(cursor, RuntimeId, workerId, payload.Span, projection);
    }

    /// <summary>One event's frame per distinct projection (null: dropped); no allocation for the usual one or two.</summary>
    private struct FramesByProjection
    {
        private EventProjection? _first, _second;
        private byte[]? _firstFrame, _secondFrame;
        private Dictionary<EventProjection, byte[]?>? _more;

        public readonly bool TryGet(EventProjection projection, out byte[]? frame)
        {
            if (ReferenceEquals(projection, _first)) { frame = _firstFrame; return true; }
            if (ReferenceEquals(projection, _second)) { frame = _secondFrame; return true; }
            frame = null;
            return _more is not null && _more.TryGetValue(projection, out frame);
        }

        public void Add(EventProjection projection, byte[]? frame)
        {
            if (_first is null) (_first, _firstFrame) = (projection, frame);
            else if (_second is null) (_second, _secondFrame) = (projection, frame);
            else (_more ??= new Dictionary<EventProjection, byte[]?>(ReferenceEqualityComparer.Instance))[projection] = frame;
        }
    }
}
