using System.Text.Json;
using Yoi.BackendService.Observation;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.EventLog;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.EventLog.Storage;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// One AG-UI response after its checks: the events of one worker, mapped by an <see cref="AgUiMapper"/> and written as
/// SSE. <see cref="RunAsync"/> streams one run (the POST routes); <see cref="ObserveAsync"/> streams the worker from a
/// snapshot or a client's id, live, until the client leaves (the resumable GET route). docs/agui.md has the rules.
/// </summary>
internal sealed partial class AgUiSession(HttpContext context, IServiceProvider services, RuntimeEntry runtime, string workerId,
    EventProjection projection)
{
    private readonly IEventLog _log = services.GetRequiredService<IEventLog>();
    private readonly ObservationOptions _options = services.GetRequiredService<BackendOptions>().Observation;
    private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<AgUiSession>();
    private readonly CancellationTokenSource _finished = new();

    /// <summary>The <c>retry</c> the GET stream gives an <c>EventSource</c>: a restarted Backend is found again soon.</summary>
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    private string Stream => runtime.Keys.WorkerEvents(workerId);

    /// <summary>Subscribes to the worker's stream (before anything that could append to it).</summary>
    public Task<AgUiFeed> SubscribeAsync(CancellationToken cancellationToken) =>
        AgUiFeed.SubscribeAsync(_log, services.GetRequiredService<StreamTailReader>(), Stream, runtime.Id, workerId, projection,
            _options.ClientQueueCapacity, AbortAfterSlowConsumerGrace, cancellationToken);

    /// <summary>The worker's snapshot now (checkpoint and the fold after it), as this client may see it.</summary>
    public async Task<SnapshotCheckpoint> ReadSnapshotAsync(CancellationToken cancellationToken)
    {
        var keys = runtime.Keys;
        var checkpoint = await services.GetRequiredService<WorkerSnapshotReader>()
            .ReadAsync(keys.WorkerEvents(workerId), keys.WorkerState(workerId), cancellationToken);
        return checkpoint with { Snapshot = projection.ProjectSnapshot(checkpoint.Snapshot) };
    }

    /// <summary>
    /// Streams the run <paramref name="runId"/> the input started: events after <paramref name="before"/> are folded
    /// onto it until the run's <c>run_start</c>, which opens the stream with <c>RUN_STARTED</c> and a
    /// <c>MESSAGES_SNAPSHOT</c> of the transcript so far; then the run's events until its <c>RUN_FINISHED</c> or
    /// <c>RUN_ERROR</c>, which ends the response.
    /// </summary>
    public async Task RunAsync(AgUiFeed feed, SnapshotCheckpoint before, string runId)
    {
        using var end = EndSource();
        var ct = end.Token;
        var sse = SseWriter.Start(context);
        try
        {
            await sse.KeepAliveAsync(ct); // the headers go out now: the client knows the run was accepted
            var state = TranscriptState.FromSnapshot(before.Snapshot);
            feed.StartAfter(before.Cursor);
            AgUiMapper? mapper = null;
            while (await NextAsync(feed, sse, ct) is { } item)
            {
                if (item.IsNotice)
                {
                    if (mapper is not null) await sse.WriteAsync([FromNotice(item)], item.Cursor, ct); // AG-UI: nothing before RUN_STARTED
                    continue;
                }
                var read = WorkerEventJson.TryDeserialize(item.Payload.Span, out var workerEvent, out _);
                if (mapper is null)
                {
                    if (!read) continue; // folded into the snapshot as the fold does: an unreadable entry changes nothing
                    TranscriptFold.Apply(state, workerEvent!);
                    if (workerEvent is not RunStartEvent start || start.RunId != runId) continue;
                    (var opening, mapper) = AgUiSnapshot.Start(workerId, item.Cursor, state.ToSnapshot());
                    await sse.WriteAsync(opening, item.Cursor, ct);
                    continue;
                }
                await sse.WriteMappedAsync(Map(mapper, item, read ? workerEvent : null), item.Cursor, 0, ct);
                if (mapper.OpenRunId != runId) return; // the run's RUN_FINISHED / RUN_ERROR was the last event
            }
            await EndedAsync(feed, sse, ct);
        }
        catch (Exception ex) when (IsEnd(ex, ct)) { }
        finally
        {
            _finished.Cancel();
        }
    }

    /// <summary>
    /// The resumable stream: without <paramref name="after"/> a snapshot, then live; with it, exactly the events after
    /// it (a retained cursor), or <c>CUSTOM cursor_expired</c> / <c>cursor_unknown</c> and a snapshot.
    /// </summary>
    public async Task ObserveAsync(AgUiFeed feed, AgUiEventId? after)
    {
        using var end = EndSource();
        var ct = end.Token;
        var sse = SseWriter.Start(context);
        try
        {
            await sse.RetryAfterAsync(ReconnectDelay, ct);
            var mapper = await StartAsync(feed, sse, after, ct);
            // A client that comes while the runtime is down hears it as those connected hear it go (docs/agui.md): a run
            // the snapshot shows in flight is not going on.
            if (!services.GetRequiredService<RuntimeMonitor>().IsAvailable(runtime.Id))
                await sse.WriteAsync([Notice(DiagnosticCodes.RuntimeUnavailable, RuntimeMonitor.UnavailableMessage(runtime.Id))], feed.Position, ct);
            while (await NextAsync(feed, sse, ct) is { } item)
            {
                if (item.IsNotice)
                {
                    await sse.WriteAsync([FromNotice(item)], item.Cursor, ct);
                    continue;
                }
                var read = WorkerEventJson.TryDeserialize(item.Payload.Span, out var workerEvent, out _);
                await sse.WriteMappedAsync(Map(mapper, item, read ? workerEvent : null), item.Cursor, 0, ct);
            }
            await EndedAsync(feed, sse, ct);
        }
        catch (Exception ex) when (IsEnd(ex, ct)) { }
        finally
        {
            _finished.Cancel();
        }
    }

    private async Task<AgUiMapper> StartAsync(AgUiFeed feed, SseWriter sse, AgUiEventId? after, CancellationToken ct)
    {
        var notice = new List<AgUiEvent>(1);
        if (after is { } id)
        {
            var status = await _log.ClassifyClientCursorAsync(Stream, id.Cursor, ct);
            if (status == CursorStatus.Retained && await StateAtAsync(id, ct) is { } resumed)
            {
                var (mapper, pending) = resumed;
                feed.StartAfter(id.Cursor);
                if (pending is { } item)
                {
                    var read = WorkerEventJson.TryDeserialize(item.Payload.Span, out var workerEvent, out _);
                    var events = Map(mapper, item, read ? workerEvent : null);
                    if (id.Sent < events.Count) await sse.WriteMappedAsync(events, item.Cursor, id.Sent, ct);
                }
                else
                {
                    await sse.KeepAliveAsync(ct);
                }
                return mapper;
            }
            // A retained cursor whose state was trimmed (the fold up to it is gone) cannot resume exactly either.
            notice.Add(status is CursorStatus.Expired or CursorStatus.Retained
                ? Notice(DiagnosticCodes.CursorExpired, "Events after the cursor were trimmed by retention; starting from a snapshot.")
                : Notice(DiagnosticCodes.CursorUnknown, "The cursor is not a position of this stream; starting from a snapshot."));
        }
        var snapshot = await ReadSnapshotAsync(ct);
        var (opening, started) = AgUiSnapshot.Start(workerId, snapshot.Cursor, snapshot.Snapshot);
        await sse.WriteAsync([.. notice, .. opening], snapshot.Cursor, ct);
        feed.StartAfter(snapshot.Cursor);
        return started;
    }

    /// <summary>
    /// The mapper in the state the client's id leaves it in: the fold of the stream up to the cursor, from the stored
    /// checkpoint when it is not past the cursor, else from the first retained event; and, for an id in the middle of
    /// a worker event's AG-UI events, that event to map again. The mapper needs only the run in flight at the cursor,
    /// so a fold from a trimmed start is exact unless the stream now starts inside a run still open at the cursor:
    /// then the state is lost (null).
    /// </summary>
    private async Task<(AgUiMapper Mapper, FeedItem? Pending)?> StateAtAsync(AgUiEventId id, CancellationToken ct)
    {
        var keys = runtime.Keys;
        var checkpoint = await services.GetRequiredService<ISnapshotStore>().LoadAsync(keys.WorkerState(workerId), ct);
        var state = new TranscriptState();
        var position = StreamCursor.Zero;
        var trimmedStart = false;
        if (checkpoint is not null && (checkpoint.Cursor < id.Cursor || (checkpoint.Cursor == id.Cursor && id.Sent == 0)))
        {
            state = TranscriptState.FromSnapshot(projection.ProjectSnapshot(checkpoint.Snapshot));
            position = checkpoint.Cursor;
        }
        else
        {
            trimmedStart = await _log.GetMetadataAsync(Stream, ct) is { } metadata && metadata.EntriesAdded > metadata.Length;
        }
        var insideCutRun = false; // the retained stream begins with events of a run whose run_start was trimmed
        var sawRunStart = false;
        FeedItem? pending = null;
        while (position < id.Cursor)
        {
            var page = await _log.ReadAfterAsync(Stream, position, 1000, ct);
            foreach (var entry in page)
            {
                if (entry.Cursor > id.Cursor) break;
                position = entry.Cursor;
                if (FrameFactory.Event(entry.Cursor, runtime.Id, workerId, entry.Payload.Span, projection) is not { } frame) continue;
                var item = new FeedItem(entry.Cursor, AgUiFeed.PayloadOf(frame));
                if (entry.Cursor == id.Cursor && id.Sent > 0)
                {
                    pending = item;
                    break;
                }
                if (!WorkerEventJson.TryDeserialize(item.Payload.Span, out var workerEvent, out _)) continue;
                if (trimmedStart && !sawRunStart)
                {
                    if (workerEvent is RunStartEvent) sawRunStart = true;
                    insideCutRun = workerEvent switch
                    {
                        RunStartEvent or RunEndEvent => false,
                        StatusEvent or UserMessageEvent or WorkerCreatedEvent or WorkerStoppedEvent or DiagnosticEvent or UnknownEvent => insideCutRun,
                        _ => true,
                    };
                }
                TranscriptFold.Apply(state, workerEvent);
            }
            if (page.Count < 1000 || pending is not null) break;
        }
        if (insideCutRun) return null;
        return (AgUiMapper.FromSnapshot(workerId, state.ToSnapshot()), pending);
    }

    private static IReadOnlyList<AgUiEvent> Map(AgUiMapper mapper, FeedItem item, WorkerEvent? workerEvent)
    {
        if (workerEvent is not null) return mapper.Map(item.Cursor, workerEvent);
        JsonElement stored;
        try
        {
            using var document = JsonDocument.Parse(item.Payload);
            stored = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            stored = JsonSerializer.SerializeToElement(System.Text.Encoding.UTF8.GetString(item.Payload.Span), ProtocolJsonContext.Default.String);
        }
        return [AgUiMapper.Unreadable(item.Cursor, stored)];
    }

    /// <summary>The next item, writing a keep-alive comment while none comes.</summary>
    private async Task<FeedItem?> NextAsync(AgUiFeed feed, SseWriter sse, CancellationToken ct)
    {
        var read = feed.ReadAsync(ct);
        if (read.IsCompleted) return read.Result;
        var pending = read.AsTask();
        var interval = _options.KeepAliveSeconds > 0 ? TimeSpan.FromSeconds(_options.KeepAliveSeconds) : Timeout.InfiniteTimeSpan;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct); // no timer outlives the wait
        while (true)
        {
            var finished = await Task.WhenAny(pending, Task.Delay(interval, timer.Token));
            if (finished == pending)
            {
                await timer.CancelAsync();
                return await pending;
            }
            ct.ThrowIfCancellationRequested();
            await sse.KeepAliveAsync(ct);
        }
    }

    /// <summary>
    /// The feed ended without the client leaving: a slow consumer, or one that retention overtook, is told so and the
    /// response ends; it resumes with its last id (and then gets exactly the rest, or <c>cursor_expired</c> and a snapshot).
    /// </summary>
    private async Task EndedAsync(AgUiFeed feed, SseWriter sse, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return;
        if (feed.IsGap)
            await sse.WriteAsync([Notice(DiagnosticCodes.CursorExpired,
                "Events after the last one sent were trimmed by retention before they could be sent; reconnect with the last event id.")], feed.Position, ct);
        else if (feed.IsSlow)
            await sse.WriteAsync([Notice(DiagnosticCodes.SlowConsumer, "The client did not keep up; reconnect with the last event id to resume.")],
                feed.Position, ct);
    }

    /// <summary>A notice the Backend sends every observer of the runtime (its diagnostic frame) as <c>CUSTOM</c>.</summary>
    private static Custom FromNotice(FeedItem item)
    {
        using var document = JsonDocument.Parse(item.Payload);
        var root = document.RootElement;
        var code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "notice";
        var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
        return Notice(code, message);
    }

    /// <summary>A notice of the Backend itself (not a worker event): <c>CUSTOM</c> named by its code, <c>{code, message}</c>.</summary>
    private static Custom Notice(string code, string message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("code", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return new Custom(code, document.RootElement.Clone());
    }

    /// <summary>Ends with the client leaving or the server stopping.</summary>
    private CancellationTokenSource EndSource() =>
        CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted,
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);

    private bool IsEnd(Exception ex, CancellationToken ct)
    {
        if (ex is OperationCanceledException or IOException && (ct.IsCancellationRequested || context.RequestAborted.IsCancellationRequested)) return true;
        if (ex is OperationCanceledException && ct.IsCancellationRequested) return true;
        LogFailed(_logger, ex);
        context.Abort(); // the client sees the stream cut and resumes with its last id
        return true;
    }

    /// <summary>A client that overflowed its queue gets the grace period to take what is queued, then is cut off.</summary>
    private void AbortAfterSlowConsumerGrace()
    {
        BackendTelemetry.SlowConsumerDisconnects.Add(1);
        // Never after the response ended: the HttpContext may then serve another request.
        _ = Task.Delay(TimeSpan.FromSeconds(_options.SlowConsumerGraceSeconds), _finished.Token)
            .ContinueWith(t => { if (!t.IsCanceled) context.Abort(); }, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An AG-UI stream failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
