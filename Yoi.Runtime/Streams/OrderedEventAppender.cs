using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;

namespace Yoi.Runtime.Streams;

/// <summary>
/// The one writer of a stream: events (and ordered side effects such as registry and checkpoint writes) go into a
/// bounded queue; one loop drains it, appending what is queued as one pipelined <see cref="IEventLog.AppendBatchAsync"/>
/// per run of events that share a parent trace context. Each event keeps the <see cref="ActivityContext"/> current
/// when it was produced; the batch is appended under a span parented to it, so the stored <c>traceparent</c> belongs to
/// the command's trace.
/// <para>
/// Outages: a failed append is retried, in order, until it succeeds; nothing is dropped. A failed append may still
/// have been stored (the connection can die after Redis executed the XADDs but before their replies arrived), so a
/// retry must not blindly repeat it. Because this appender is the stream's only writer, every entry after the last
/// cursor it saw acknowledged must be a prefix of the batch in flight: before retrying it reads the entries after
/// that cursor (<see cref="IEventLog.ReadAfterAsync"/>), checks their payloads against the batch, counts them as
/// stored and appends only the rest. This needs no extra field in the payloads (which clients receive unchanged) and
/// no explicit IDs (which would break the log's clock-based ID contract). When an outage lasts longer than the limit,
/// <c>onOutageLimit</c> is called once (the worker fails its run visibly); the queue keeps everything until Redis is back.
/// </para>
/// </summary>
internal sealed partial class OrderedEventAppender : IAsyncDisposable
{
    private const int QueueCapacity = 8192;
    private const int MaxBatch = 256;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(500);

    private readonly IEventLog _log;
    private readonly string _stream;
    private readonly string _name; // for log lines: never the stream key, which stays internal
    private readonly StreamRetention _retention;
    private readonly TimeSpan _outageLimit;
    private readonly ILogger _logger;
    private readonly Action<StreamCursor, WorkerEvent>? _onStored;
    private readonly Action? _onOutageLimit;
    private readonly Func<StreamCursor, CancellationToken, ValueTask>? _checkpoint;
    private readonly int _checkpointEvery;
    private int _sinceCheckpoint;
    private readonly AppendQueue<Item> _queue = new(QueueCapacity);
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _loop;
    private StreamCursor? _last;
    private long _outageStarted; // Stopwatch timestamp of the first failure; 0 when the log is fine
    private readonly Timer _limitTimer;
    private int _busy;          // 1 while an append or action has not completed
    private int _limitReported; // 1 once the current unfinished operation was reported

    /// <param name="name">What log lines call the stream (e.g. <c>worker w-..</c>); the key itself is never logged.</param>
    public OrderedEventAppender(IEventLog log, string stream, string name, StreamRetention retention, TimeSpan outageLimit, ILogger logger,
        StreamCursor? lastCursor = null, Action<StreamCursor, WorkerEvent>? onStored = null, Action? onOutageLimit = null,
        Func<StreamCursor, CancellationToken, ValueTask>? checkpoint = null, int checkpointEvery = 0)
    {
        _checkpoint = checkpoint;
        _checkpointEvery = checkpointEvery;
        _log = log;
        _stream = stream;
        _name = name;
        _retention = retention;
        _outageLimit = outageLimit;
        _logger = logger;
        _last = lastCursor;
        _onStored = onStored;
        _onOutageLimit = onOutageLimit;
        _limitTimer = new Timer(_ => OnLimit(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // The loop must not inherit the caller's Activity: each batch is parented to its events' own context.
        using (ExecutionContext.SuppressFlow()) _loop = Task.Run(DrainAsync);
    }

    /// <summary>An event with its payload and producing context, or (when <see cref="Action"/> is set) a side effect.</summary>
    private readonly record struct Item(WorkerEvent? Event, byte[]? Payload, ActivityContext Parent, ActionItem? Action);
    private sealed record ActionItem(string What, Func<StreamCursor, CancellationToken, ValueTask> Run);

    /// <summary>True while appends are failing.</summary>
    public bool InOutage => Interlocked.Read(ref _outageStarted) != 0;

    /// <summary>The cursor of the last event stored (null until known).</summary>
    public StreamCursor? LastCursor => _last;

    /// <summary>Events and actions queued and not yet taken by the writer (an outage shows here first).</summary>
    public int Queued => _queue.Count;

    /// <summary>Queues an event; waits while the queue is full. <paramref name="parent"/> is the producing span's context.</summary>
    public ValueTask EnqueueAsync(WorkerEvent workerEvent, byte[] payload, ActivityContext parent) =>
        _queue.WriteAsync(new Item(workerEvent, payload, parent, null));

    /// <summary>Queues a side effect that runs after every event queued before it is stored (retried like appends).</summary>
    public ValueTask EnqueueActionAsync(string what, Func<StreamCursor, CancellationToken, ValueTask> action) =>
        _queue.WriteAsync(new Item(null, null, default, new ActionItem(what, action)));

    /// <summary>Completes when everything queued so far is stored.</summary>
    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueActionAsync("flush", (_, _) => { done.TrySetResult(); return ValueTask.CompletedTask; });
        await done.Task;
    }

    private async Task DrainAsync()
    {
        var batch = new List<Item>(MaxBatch);
        var pending = new List<Item>(MaxBatch);
        try
        {
            while (await _queue.WaitToReadAsync())
            {
                _queue.DequeueInto(batch, MaxBatch);
                var i = 0;
                while (i < batch.Count)
                {
                    if (batch[i].Action is { } action)
                    {
                        await RunActionAsync(action);
                        i++;
                        continue;
                    }
                    var parent = batch[i].Parent;
                    var j = i + 1;
                    while (j < batch.Count && batch[j].Action is null && batch[j].Parent == parent) j++;
                    pending.Clear();
                    for (var k = i; k < j; k++) pending.Add(batch[k]);
                    await AppendAsync(pending, parent);
                    _sinceCheckpoint += j - i;
                    i = j;
                    if (_checkpoint is not null && _checkpointEvery > 0 && _sinceCheckpoint >= _checkpointEvery)
                    {
                        // Long runs are checkpointed as they go, so retention never trims events no checkpoint covers.
                        _sinceCheckpoint = 0;
                        await RunActionAsync(new ActionItem("checkpoint", _checkpoint));
                    }
                }
                batch.Clear(); // an idle writer keeps no payloads
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Disposed with events still queued and the log down: nothing more can be stored.
        }
        catch (Exception ex)
        {
            LogLoopFailed(_logger, ex, _name);
        }
    }

    private async Task AppendAsync(List<Item> pending, ActivityContext parent)
    {
        var reconcile = false;
        var attempt = 0;
        BeginOperation();
        while (pending.Count > 0)
        {
            try
            {
                _last ??= (await _log.ReadLastAsync(_stream, _abort.Token))?.Cursor ?? StreamCursor.Zero;
                if (reconcile)
                {
                    var stored = await _log.ReadAfterAsync(_stream, _last.Value, pending.Count, _abort.Token);
                    var matched = 0;
                    while (matched < stored.Count && stored[matched].Payload.Span.SequenceEqual(pending[matched].Payload!))
                    {
                        Stored(pending[matched], stored[matched].Cursor);
                        matched++;
                    }
                    if (matched > 0) LogReconciled(_logger, _name, matched);
                    pending.RemoveRange(0, matched);
                    reconcile = false;
                    if (pending.Count == 0) break;
                }
                var payloads = new ReadOnlyMemory<byte>[pending.Count];
                for (var k = 0; k < payloads.Length; k++) payloads[k] = pending[k].Payload!;
                IReadOnlyList<StreamCursor> ids;
                using (RuntimeTelemetry.Source.StartActivity("append events", ActivityKind.Internal, parent))
                    ids = await _log.AppendBatchAsync(_stream, payloads, _retention, _abort.Token);
                for (var k = 0; k < ids.Count; k++) Stored(pending[k], ids[k]);
                pending.Clear();
            }
            catch (Exception ex) when (!_abort.IsCancellationRequested)
            {
                reconcile = true;
                BeginOutage(ex);
                await Task.Delay(Backoff(attempt++), _abort.Token);
            }
        }
        EndOperation();
    }

    private async Task RunActionAsync(ActionItem action)
    {
        var attempt = 0;
        BeginOperation();
        while (true)
        {
            try
            {
                _last ??= (await _log.ReadLastAsync(_stream, _abort.Token))?.Cursor ?? StreamCursor.Zero;
                await action.Run(_last.Value, _abort.Token);
                EndOperation();
                return;
            }
            catch (Exception ex) when (!_abort.IsCancellationRequested)
            {
                BeginOutage(ex);
                await Task.Delay(Backoff(attempt++), _abort.Token);
            }
        }
    }

    private void Stored(in Item item, StreamCursor cursor)
    {
        _last = cursor;
        _onStored?.Invoke(cursor, item.Event!);
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 25 * Math.Pow(2, Math.Min(attempt, 10))));

    /// <summary>
    /// The limit is measured from the start of the operation that cannot complete, whether it fails fast or hangs
    /// (a command issued while the connection is down waits for a reconnect before it fails).
    /// </summary>
    private void BeginOperation()
    {
        Volatile.Write(ref _busy, 1);
        _limitTimer.Change(_outageLimit, Timeout.InfiniteTimeSpan);
    }

    private void EndOperation()
    {
        Volatile.Write(ref _busy, 0);
        _limitTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _limitReported, 0);
        EndOutage();
    }

    private void OnLimit()
    {
        if (Volatile.Read(ref _busy) == 0 || Interlocked.Exchange(ref _limitReported, 1) != 0) return;
        Interlocked.CompareExchange(ref _outageStarted, Stopwatch.GetTimestamp(), 0);
        LogOutageLimit(_logger, _name, _outageLimit.TotalSeconds);
        _onOutageLimit?.Invoke();
    }

    private void BeginOutage(Exception ex)
    {
        if (Interlocked.CompareExchange(ref _outageStarted, Stopwatch.GetTimestamp(), 0) != 0) return;
        LogOutage(_logger, _name, ex.GetType().Name); // the message may name the Redis address
    }

    private void EndOutage()
    {
        var started = Interlocked.Exchange(ref _outageStarted, 0);
        if (started == 0) return;
        LogRecovered(_logger, _name, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Stores what is queued (waiting up to <paramref name="drainTimeout"/>), then stops.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync(TimeSpan.FromSeconds(5));

    public async Task CloseAsync(TimeSpan drainTimeout)
    {
        _queue.Complete();
        if (await Task.WhenAny(_loop, Task.Delay(drainTimeout)) != _loop) LogDrainTimeout(_logger, _name);
        await _abort.CancelAsync();
        await _loop;
        await _limitTimer.DisposeAsync();
        _abort.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appending events of {Stream} failed ({ErrorType}); retrying in order")]
    private static partial void LogOutage(ILogger logger, string stream, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Events of {Stream} could not be stored for {Seconds} s")]
    private static partial void LogOutageLimit(ILogger logger, string stream, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appending to {Stream} works again after {Seconds:0.0} s")]
    private static partial void LogRecovered(ILogger logger, string stream, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} entries of {Stream} were stored before the connection failed; not appended again")]
    private static partial void LogReconciled(ILogger logger, string stream, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued events of {Stream} were not all stored before shutdown")]
    private static partial void LogDrainTimeout(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Error, Message = "The appender of {Stream} stopped")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string stream);
}
