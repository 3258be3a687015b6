using System.Buffers;
using System.Net.WebSockets;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.EventLog;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.EventLog.Storage;

namespace Yoi.BackendService.Observation;

/// <summary>WebSocket close codes of the observation protocol (docs/protocol.md).</summary>
public static class ObservationCloseCodes
{
    public const int GoingAway = 1001;
    public const int InternalError = 1011;
    public const int MessageTooBig = 1009;
    public const int BadRequest = 4400;
    public const int Forbidden = 4403;
    public const int NotFound = 4404;
    public const int SlowConsumer = 4408;
}

/// <summary>What one observation connection watches, after validation.</summary>
public sealed record ObservationTarget(RuntimeEntry Runtime, string? WorkerId, EventProjection Projection, string? Cursor)
{
    /// <summary>The stream key, built when needed: a live connection keeps no copy of its own.</summary>
    public string Stream => WorkerId is null ? Runtime.Keys.RuntimeEvents : Runtime.Keys.WorkerEvents(WorkerId);
}

/// <summary>
/// One observation WebSocket after its handshake (docs/protocol.md, "Cursor rules"): subscribe first, then the start the cursor asks for
/// (snapshot, backlog, or a diagnostic and a snapshot), then live. One writer at a time (a send lock); a receive loop
/// answers client frames with <c>observation_only</c> and closes 1009 on oversized ones.
/// </summary>
/// <remarks>
/// Memory of an idle connection (docs/benchmarks.md, "memory per idle connection"): one cancellation source ends the session (the server stops,
/// or the receive loop sees the client close or the connection drop), with one registration on the stopping token and
/// no linked source; the live loop waits on the subscriber, which needs no token; the receive loop waits for a frame
/// with a zero-byte read and rents its scratch buffer only while a frame is being read.
/// </remarks>
internal sealed class ObservationSession(
    WebSocket socket,
    IEventLog log,
    WorkerSnapshotReader snapshots,
    StreamTailReader tail,
    RuntimeMonitor monitor,
    ObservationOptions options,
    CancellationToken stopping,
    CancellationToken aborted)
{
    private const int BacklogPage = 512;
    private const int ReceiveScratchBytes = 256;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _end = new();
    private volatile bool _clientGone;
    private StreamCursor _lastSent;

    /// <summary>What ended the session abnormally (the event log failed); the client got close 1011.</summary>
    public Exception? Failure { get; private set; }
    private bool _closeSent;
    private bool _runtimeUnavailable;

    /// <summary>The runtime could not give the snapshot; the client was told and gets 1011 (not logged as a failure).</summary>
    private sealed class RuntimeUnavailableException : Exception;

    /// <summary>Sends a diagnostic and closes (a rejected connection).</summary>
    public async Task RejectAsync(string code, string message, int closeCode)
    {
        try
        {
            await SendAsync(FrameFactory.Diagnostic(code, message), aborted);
            await CloseAsync(closeCode, code);
            await DrainUntilClosedAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { }
    }

    public async Task RunAsync(ObservationTarget target)
    {
        var receive = ReceiveLoopAsync();
        using var stop = stopping.UnsafeRegister(static end => ((CancellationTokenSource)end!).Cancel(), _end);
        var subscriber = new ObservationSubscriber(target.Projection, options.ClientQueueCapacity, AbortAfterSlowConsumerGrace);
        StreamHub? hub = null;
        try
        {
            hub = await tail.SubscribeAsync(target.Stream, target.Runtime.Id, target.WorkerId, subscriber, _end.Token);
            await StartAsync(target, _end.Token);
            if (!monitor.IsAvailable(target.Runtime.Id)) await SendAsync(RuntimeMonitor.UnavailableFrame(target.Runtime.Id), _end.Token);
            await CatchUpAsync(target, subscriber, _end.Token);
            await LiveAsync(target, subscriber, _end.Token);
            if (subscriber.IsSlow)
            {
                await SendAsync(FrameFactory.Diagnostic(DiagnosticCodes.SlowConsumer,
                    "The client did not keep up; reconnect with the last cursor to resume."), aborted);
                await CloseAsync(ObservationCloseCodes.SlowConsumer, DiagnosticCodes.SlowConsumer);
            }
        }
        catch (OperationCanceledException) when (_end.IsCancellationRequested || aborted.IsCancellationRequested) { }
        catch (WebSocketException) { }
        catch (RuntimeUnavailableException)
        {
            _runtimeUnavailable = true;
        }
        catch (Exception ex)
        {
            Failure = ex;
        }
        finally
        {
            subscriber.Complete();
            if (hub is not null) tail.Unsubscribe(hub, subscriber);
        }
        try
        {
            if (stopping.IsCancellationRequested) await CloseAsync(ObservationCloseCodes.GoingAway, "server shutting down");
            else if (Failure is not null)
            {
                // Said before the close, so a client knows whether to retry (the log) or to report (anything else).
                await SendAsync(Failure is StackExchange.Redis.RedisException or TimeoutException
                    ? FrameFactory.Diagnostic(DiagnosticCodes.EventLogUnavailable, "The event log is unavailable; reconnect with the last cursor.")
                    : FrameFactory.Diagnostic(DiagnosticCodes.Internal, "The backend failed to serve this connection; reconnect with the last cursor."),
                    aborted);
                await CloseAsync(ObservationCloseCodes.InternalError, "internal error; reconnect with the last cursor");
            }
            else if (_runtimeUnavailable) await CloseAsync(ObservationCloseCodes.InternalError, "runtime unavailable; reconnect later");
            else if (_clientGone) await CloseAsync((int)WebSocketCloseStatus.NormalClosure, "");
            await DrainUntilClosedAsync(receive);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { }
    }

    /// <summary>
    /// From the moment the client overflows its queue it has the grace period to take what is queued, the diagnostic
    /// and the close; a client that stopped reading altogether leaves a send blocked on a full socket, so the socket
    /// is then aborted, which ends the send and the session.
    /// </summary>
    private void AbortAfterSlowConsumerGrace()
    {
        BackendTelemetry.SlowConsumerDisconnects.Add(1); // counted here: a client that stopped reading is aborted, not closed
        _ = AbortAfterAsync(TimeSpan.FromSeconds(options.SlowConsumerGraceSeconds));
    }

    private async Task AbortAfterAsync(TimeSpan grace)
    {
        await Task.Delay(grace).ConfigureAwait(false);
        if (socket.State is WebSocketState.Closed or WebSocketState.Aborted) return;
        try { socket.Abort(); }
        catch (ObjectDisposedException) { }
    }

    private async Task StartAsync(ObservationTarget target, CancellationToken cancellationToken)
    {
        var stream = target.Stream;
        if (target.Cursor is null)
        {
            await SendSnapshotAsync(target, cancellationToken);
            return;
        }
        if (!StreamCursor.TryParse(target.Cursor.AsSpan(), out var cursor, out _))
            throw new InvalidOperationException("The cursor was validated before the session started.");
        var status = await log.ClassifyClientCursorAsync(stream, cursor, cancellationToken);
        switch (status)
        {
            case CursorStatus.Retained:
                _lastSent = cursor;
                return;
            case CursorStatus.Expired:
                await SendAsync(FrameFactory.Diagnostic(DiagnosticCodes.CursorExpired,
                    "Events after the cursor were trimmed by retention; starting from a snapshot."), cancellationToken);
                break;
            default:
                await SendAsync(FrameFactory.Diagnostic(DiagnosticCodes.CursorUnknown,
                    "The cursor is not a position of this stream; starting from a snapshot."), cancellationToken);
                break;
        }
        await SendSnapshotAsync(target, cancellationToken);
    }

    /// <summary>
    /// Entries after the last one sent were trimmed before they could be read (the shared read or the backlog fell
    /// behind retention): the client is told exactly as a reconnecting client with an expired cursor would be.
    /// </summary>
    private async Task AnnounceGapAsync(ObservationTarget target, CancellationToken cancellationToken)
    {
        await SendAsync(FrameFactory.Diagnostic(DiagnosticCodes.CursorExpired,
            "Events were trimmed by retention before they could be delivered; starting again from a snapshot."), cancellationToken);
        await SendSnapshotAsync(target, cancellationToken);
    }

    private async Task<StreamCursor> CurrentEndAsync(string stream, CancellationToken cancellationToken) =>
        (await log.GetMetadataAsync(stream, cancellationToken))?.LastGeneratedId ?? StreamCursor.Zero;

    private async Task SendSnapshotAsync(ObservationTarget target, CancellationToken cancellationToken)
    {
        if (target.WorkerId is null)
        {
            await SendRuntimeSnapshotAsync(target, cancellationToken);
            return;
        }
        var keys = target.Runtime.Keys;
        var checkpoint = await snapshots.ReadAsync(keys.WorkerEvents(target.WorkerId!), keys.WorkerState(target.WorkerId!), cancellationToken);
        await SendAsync(FrameFactory.Snapshot(checkpoint.Cursor, target.Runtime.Id, target.WorkerId!, checkpoint.Snapshot, target.Projection),
            cancellationToken);
        _lastSent = checkpoint.Cursor;
    }

    /// <summary>
    /// A runtime-wide snapshot: the end S of the lifecycle stream, then the runtime's worker list. A runtime changes a
    /// worker before it appends the event saying so, so the list holds everything up to S; it may already hold a
    /// change whose event comes after S, which a client applies again harmlessly (lifecycle events set state, they
    /// do not accumulate). When the stream moved while the list was read, it is read again (a few times) so the
    /// list usually matches S exactly. A runtime that cannot list its workers gets <c>runtime_unavailable</c> and 1011.
    /// </summary>
    private async Task SendRuntimeSnapshotAsync(ObservationTarget target, CancellationToken cancellationToken)
    {
        const int Attempts = 3;
        var stream = target.Stream;
        StreamCursor end;
        WorkerList list;
        var attempt = 0;
        while (true)
        {
            end = await CurrentEndAsync(stream, cancellationToken);
            try
            {
                list = await target.Runtime.Source.ListAllWorkersAsync(cancellationToken);
            }
            catch (RuntimeSourceException ex)
            {
                await SendAsync(FrameFactory.Diagnostic(DiagnosticCodes.RuntimeUnavailable,
                    $"The runtime '{target.Runtime.Id}' could not list its workers ({ex.Code}); reconnect later."), cancellationToken);
                throw new RuntimeUnavailableException();
            }
            if (++attempt == Attempts || await CurrentEndAsync(stream, cancellationToken) == end) break;
        }
        await SendAsync(FrameFactory.RuntimeSnapshot(end, target.Runtime.Id, new RuntimeSnapshot(list.Workers)), cancellationToken);
        _lastSent = end;
    }

    /// <summary>Replays the log after the last sent cursor until the live buffer takes over without a gap.</summary>
    private async Task CatchUpAsync(ObservationTarget target, ObservationSubscriber subscriber, CancellationToken cancellationToken)
    {
        long replayed = 0;
        var stream = target.Stream;
        while (true)
        {
            while (true)
            {
                // A non-blocking tail read: it also tells when retention removed entries after the last one sent.
                var batches = await log.TailAsync([new StreamPosition(stream, _lastSent)], BacklogPage, TimeSpan.Zero, cancellationToken);
                IReadOnlyList<LogEntry> page = batches.Count == 0 ? [] : batches[0].Entries;
                if (batches.Count > 0 && batches[0].Gap)
                {
                    await AnnounceGapAsync(target, cancellationToken);
                    continue;
                }
                foreach (var entry in page)
                {
                    var workerId = target.WorkerId;
                    var payload = workerId is null ? FrameFactory.SplitRuntimeEntry(entry.Payload, out workerId) : entry.Payload;
                    if (FrameFactory.Event(entry.Cursor, target.Runtime.Id, workerId, payload.Span, target.Projection) is { } frame)
                        await SendAsync(frame, cancellationToken);
                    _lastSent = entry.Cursor; // dropped events are passed too: the position, not the last frame
                    replayed++;
                }
                if (page.Count < BacklogPage) break;
            }
            if (subscriber.TryGoLive(_lastSent)) break;
        }
        BackendTelemetry.BacklogReplaySize.Record(replayed);
        BackendTelemetry.EventsDelivered.Add(replayed);
    }

    private async Task LiveAsync(ObservationTarget target, ObservationSubscriber subscriber, CancellationToken cancellationToken)
    {
        // Ending the session completes the subscriber, which ends the wait.
        using var wake = cancellationToken.UnsafeRegister(static s => ((ObservationSubscriber)s!).Complete(), subscriber);
        while (await subscriber.WaitToReadAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (subscriber.TryRead(out var frame))
            {
                if (frame.IsNotice)
                {
                    await SendAsync(frame.Bytes, aborted);
                    continue;
                }
                if (frame.IsGap)
                {
                    // Frames already queued after the gap that the snapshot covers are skipped by the check below.
                    await AnnounceGapAsync(target, cancellationToken);
                    continue;
                }
                if (frame.Cursor <= _lastSent) continue;
                await SendAsync(frame.Bytes, aborted);
                _lastSent = frame.Cursor;
                BackendTelemetry.EventsDelivered.Add(1);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent) return;
            await socket.SendAsync(frame, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task CloseAsync(int code, string description)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        await _send.WaitAsync(timeout.Token);
        try
        {
            if (_closeSent || socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
            _closeSent = true;
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, description, timeout.Token);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Waits (bounded) for the client's close after ours, so it reads our close code before the TCP close.</summary>
    private async Task DrainUntilClosedAsync(Task? receive = null)
    {
        if (receive is not null)
        {
            await receive.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(CloseTimeout);
        while (socket.State == WebSocketState.CloseSent)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) break;
        }
    }

    /// <summary>Client frames: <c>observation_only</c>; an oversized frame closes 1009; the client's close ends the session.</summary>
    private async Task ReceiveLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                // Waits for the next frame with a zero-byte read, so an idle connection holds no receive buffer.
                var result = await socket.ReceiveAsync(Memory<byte>.Empty, aborted);
                if (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close)
                {
                    if (await SkipRestOfMessageAsync() is not { } last) return;
                    result = last;
                }
                if (result.MessageType == WebSocketMessageType.Close) break;
                await SendAsync(FrameFactory.Diagnostic(DiagnosticCodes.ObservationOnly,
                    "This connection is observation only; send commands through the REST API."), aborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        _clientGone = true;
        _end.Cancel();
    }

    /// <summary>
    /// Reads the rest of a client message, only counting it, through a small pooled scratch buffer, and returns the
    /// last receive result. Null when the message is over <c>MaxClientFrameBytes</c>: the connection was closed 1009.
    /// </summary>
    private async Task<ValueWebSocketReceiveResult?> SkipRestOfMessageAsync()
    {
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Min(ReceiveScratchBytes, options.MaxClientFrameBytes));
        try
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (count == options.MaxClientFrameBytes)
                {
                    await CloseAsync(ObservationCloseCodes.MessageTooBig, "frame too large");
                    _clientGone = true;
                    _end.Cancel();
                    await DrainUntilClosedAsync();
                    return null;
                }
                result = await socket.ReceiveAsync(scratch.AsMemory(0, Math.Min(scratch.Length, options.MaxClientFrameBytes - count)), aborted);
                count += result.Count;
            } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
