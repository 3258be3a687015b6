using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yoi.EventLog;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Runtime.Providers;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Tools;

namespace Yoi.Runtime.Workers;

/// <summary>
/// The runtime: hosts workers, runs them with their providers, and appends every event to the event log through one
/// ordered appender per stream. The same class serves the Runtime service (Redis or in-memory engine, registry
/// loaded by <see cref="StartAsync"/>) and the Backend's embedded runtimes (<see cref="CreateEmbedded"/>).
/// </summary>
public sealed partial class WorkerRuntime : IWorkerRuntime, IAsyncDisposable
{
    private static readonly string Version =
        typeof(WorkerRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static readonly IReadOnlyList<string> Capabilities =
    [
        RuntimeCapabilities.Workers, RuntimeCapabilities.Input, RuntimeCapabilities.Cancel, RuntimeCapabilities.Stop,
        RuntimeCapabilities.Transcript, RuntimeCapabilities.Events,
    ];

    /// <summary>The registry status of a deleted worker: never listed again, its id never reused.</summary>
    internal const string DeletedStatus = "deleted";
    /// <summary>How long a create waits for the log to answer before it refuses (503) and creates nothing.</summary>
    private static readonly TimeSpan CreateProbeTimeout = TimeSpan.FromSeconds(2);
    /// <summary>
    /// How long a create waits for its first events to be stored before answering 201 anyway (they stay queued): well
    /// under the Backend's per-call timeout, so a created worker is always answered as created.
    /// </summary>
    private static readonly TimeSpan CreateStoreWait = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Func<bool>? _logConnected;
    private readonly TimeProvider _time;
    private readonly WorkerSnapshotReader _reader;
    private bool _disposed;

    /// <param name="options">The runtime's settings, validated here too (<see cref="Configuration.RuntimeOptionsValidator"/>); the token is not used here.</param>
    /// <param name="logConnected">Whether the event log's connection is up (Redis); null when always up (in-memory).</param>
    /// <param name="tools">Tools a host adds to the built-in <c>clock</c> and <c>calc</c> (names must be unique).</param>
    public WorkerRuntime(RuntimeOptions options, IEventLog log, ISnapshotStore snapshots, IWorkerRegistry registry,
        ILoggerFactory? loggerFactory = null, Func<bool>? logConnected = null, TimeProvider? time = null,
        IEnumerable<AIFunction>? tools = null)
    {
        Configuration.RuntimeOptionsValidator.ThrowIfInvalid(options, requireToken: false);
        Options = options;
        Log = log;
        Snapshots = snapshots;
        Registry = registry;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<WorkerRuntime>();
        _logConnected = logConnected;
        _time = time ?? TimeProvider.System;
        Keys = new StreamKeys(options.KeyPrefix, options.Id);
        var retention = options.ToRetention();
        Retention = new StreamRetention(retention.MaxLength, retention.MaxAge);
        Tools = ToolSet.BuiltIn(_time, tools); // ArgumentException when a host's tool names clash
        Providers = new ModelProviders(options, _time);
        _reader = new WorkerSnapshotReader(log, snapshots);
        RuntimeAppender = new OrderedEventAppender(log, Keys.RuntimeEvents, $"runtime {options.Id}", Retention, options.EventLogOutageLimit,
            _loggerFactory.CreateLogger("Yoi.Runtime.Streams.RuntimeEvents"));
    }

    /// <summary>
    /// A runtime hosted inside another process (the Backend's embedded source) on a shared event log and snapshot store,
    /// with an in-memory worker registry. Dispose it to stop its workers and flush their events.
    /// </summary>
    public static WorkerRuntime CreateEmbedded(string runtimeId, IEventLog log, ISnapshotStore store, ILoggerFactory loggerFactory,
        RuntimeOptions? options = null, IEnumerable<AIFunction>? tools = null)
    {
        options ??= new RuntimeOptions();
        options.Id = runtimeId;
        return new WorkerRuntime(options, log, store, new InMemoryWorkerRegistry(), loggerFactory, tools: tools);
    }

    public RuntimeOptions Options { get; }
    public string RuntimeId => Options.Id;
    public StreamKeys Keys { get; }
    public IEventLog Log { get; }
    public ISnapshotStore Snapshots { get; }
    public IWorkerRegistry Registry { get; }
    internal StreamRetention Retention { get; }
    internal ToolSet Tools { get; }
    internal OrderedEventAppender RuntimeAppender { get; }
    internal ModelProviders Providers { get; }

    /// <summary>
    /// Loads the registry: lists the workers again, and closes every run a previous process left in flight
    /// (<c>diagnostic{run_interrupted}</c>, <c>run_end{failed}</c>, <c>status{idle}</c>).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var records = await Registry.LoadAllAsync(cancellationToken);
        foreach (var record in records)
        {
            lock (_gate)
            {
                if (record.Status == DeletedStatus) _deleted.Add(record.WorkerId);
                if (_workers.ContainsKey(record.WorkerId) || _deleted.Contains(record.WorkerId)) continue; // loaded by an earlier attempt
            }
            var checkpoint = await _reader.ReadAsync(Keys.WorkerEvents(record.WorkerId), Keys.WorkerState(record.WorkerId), cancellationToken);
            var state = TranscriptState.FromSnapshot(checkpoint.Snapshot);
            var worker = new Worker(this, record with { RunId = null, Status = record.Status == WorkerStatuses.Stopped ? WorkerStatuses.Stopped : WorkerStatuses.Idle },
                _loggerFactory.CreateLogger<Worker>(), state, checkpoint.Cursor);
            lock (_gate) _workers[record.WorkerId] = worker;
            var interrupted = record.RunId ?? state.InFlightRunId;
            if (interrupted is not null)
            {
                LogRecovering(_logger, record.WorkerId, interrupted);
                await worker.RecoverInterruptedRunAsync(interrupted);
            }
        }
        LogLoaded(_logger, RuntimeId, records.Count);
    }

    public RuntimeInfo GetInfo()
    {
        var workers = Workers();
        int idle = 0, running = 0, stopped = 0;
        foreach (var w in workers)
        {
            switch (w.Info().Status)
            {
                case WorkerStatuses.Running: running++; break;
                case WorkerStatuses.Stopped: stopped++; break;
                default: idle++; break;
            }
        }
        return new RuntimeInfo(RuntimeId, Version, Capabilities, new WorkerCounts(workers.Length, idle, running, stopped));
    }

    public IReadOnlyList<WorkerInfo> ListWorkers() => [.. Workers().Select(w => w.Info()).OrderBy(w => w.CreatedAt).ThenBy(w => w.WorkerId, StringComparer.Ordinal)];

    public WorkerInfo GetWorker(string workerId) => Find(workerId).Info();

    public async ValueTask<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = StartCommand("worker.create", null);
        var providerName = request.Provider ?? Options.DefaultProvider;
        if (Providers.Unavailable(providerName) is { } unavailable) throw Invalid(unavailable);
        if (request.Model is { Length: > 200 }) throw Invalid("The model name is longer than 200 characters.");
        if (request.Instructions is { } instructions && instructions.Length > Options.MaxInputChars)
            throw Invalid($"The instructions are longer than {Options.MaxInputChars} characters.");
        if (!IsEventLogAvailable(null)) throw Unavailable();
        lock (_gate)
            if (_workers.Count >= Options.MaxWorkers) throw LimitReached();
        // A log that does not answer (a paused or hung Redis) refuses the create before anything exists.
        await ProbeEventLogAsync(cancellationToken);

        Worker worker;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_workers.Count >= Options.MaxWorkers) throw LimitReached();
            var id = WorkerIds.NewWorkerId();
            while (_workers.ContainsKey(id) || _deleted.Contains(id)) id = WorkerIds.NewWorkerId();
            worker = new Worker(this, new WorkerRecord(id, WorkerStatuses.Idle, providerName, _time.GetUtcNow(),
                Model: request.Model, Instructions: request.Instructions), _loggerFactory.CreateLogger<Worker>());
            _workers.Add(id, worker);
        }
        var record = worker.Record;
        activity?.SetTag("yoi.worker_id", record.WorkerId);
        await worker.CreatedAsync();
        // A 201 means the worker exists: normally its first events and registry record are stored, so a restart lists
        // it. Should the log stall after the probe, they stay queued (stored on reconnect) and the answer comes anyway.
        try
        {
            await worker.Appender.FlushAsync().WaitAsync(Min(Options.EventLogOutageLimit, CreateStoreWait), cancellationToken);
        }
        catch (TimeoutException)
        {
            LogCreatedNotYetStored(_logger, record.WorkerId);
        }
        LogCreated(_logger, record.WorkerId, providerName);
        return worker.Info();
    }

    /// <summary>
    /// Deletes a stopped worker: its streams and checkpoint go, the registry keeps a tombstone so it is never listed
    /// again and its id is never reused. A worker that is not stopped is <c>worker_not_stopped</c> (409).
    /// </summary>
    public async ValueTask DeleteWorkerAsync(string workerId, CancellationToken cancellationToken = default)
    {
        using var activity = StartCommand("worker.delete", workerId);
        var worker = Find(workerId);
        if (worker.Record.Status != WorkerStatuses.Stopped)
            throw new WorkerCommandException(ApiErrorCodes.WorkerNotStopped, $"Worker {workerId} is not stopped; stop it before deleting it.");
        if (!IsEventLogAvailable(worker)) throw Unavailable();
        await ProbeEventLogAsync(cancellationToken);
        lock (_gate)
        {
            if (!_workers.Remove(workerId)) throw new WorkerCommandException(ApiErrorCodes.WorkerNotFound, $"Worker {workerId} does not exist on runtime {RuntimeId}.");
            _deleted.Add(workerId);
        }
        await worker.DisposeAsync(); // stores what is queued, so nothing is written after the delete
        await Registry.SaveAsync(worker.Record with { Status = DeletedStatus, RunId = null }, cancellationToken);
        await Log.DeleteAsync(Keys.WorkerEvents(workerId), cancellationToken);
        await Snapshots.DeleteAsync(Keys.WorkerState(workerId), cancellationToken);
        LogDeleted(_logger, workerId);
    }

    public async ValueTask<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken = default)
    {
        using var activity = StartCommand("worker.input", workerId);
        var worker = Find(workerId);
        if (string.IsNullOrEmpty(text)) throw Invalid("The input 'text' is required and must not be empty.");
        if (text.Length > Options.MaxInputChars) throw Invalid($"The input text is longer than {Options.MaxInputChars} characters.");
        var accepted = await worker.SendInputAsync(text);
        activity?.SetTag("yoi.run_id", accepted.RunId);
        return accepted;
    }

    public ValueTask<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken = default)
    {
        using var activity = StartCommand("worker.cancel", workerId);
        return ValueTask.FromResult(Find(workerId).Cancel());
    }

    public async ValueTask<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken = default)
    {
        using var activity = StartCommand("worker.stop", workerId);
        return await Find(workerId).StopAsync("stopped by request");
    }

    /// <summary>The worker's snapshot (checkpoint + fold of the retained events after it) and the cursor it is complete up to.</summary>
    public async ValueTask<SnapshotCheckpoint> GetTranscriptAsync(string workerId, CancellationToken cancellationToken = default)
    {
        Find(workerId);
        return await _reader.ReadAsync(Keys.WorkerEvents(workerId), Keys.WorkerState(workerId), cancellationToken);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> stored events of the worker after <paramref name="after"/>, oldest first. With
    /// <paramref name="checkCursor"/> (a client's cursor) an expired or foreign cursor fails with <c>cursor_expired</c> or
    /// <c>cursor_unknown</c> instead of jumping over the gap.
    /// </summary>
    public async ValueTask<IReadOnlyList<LogEntry>> ReadEventsAsync(string workerId, StreamCursor after, int limit, bool checkCursor = false,
        CancellationToken cancellationToken = default)
    {
        Find(workerId);
        var stream = Keys.WorkerEvents(workerId);
        if (!checkCursor) return await Log.ReadAfterAsync(stream, after, limit, cancellationToken);
        var page = await Log.ReadAfterClientCursorAsync(stream, after, limit, cancellationToken);
        return page.Status switch
        {
            CursorStatus.Retained => page.Entries,
            CursorStatus.Expired => throw new WorkerCommandException(ApiErrorCodes.CursorExpired,
                "Events after the cursor were trimmed by retention; read the transcript and page on from its cursor."),
            _ => throw new WorkerCommandException(ApiErrorCodes.CursorUnknown,
                "The cursor is not a position of this worker's stream; read the transcript and page on from its cursor."),
        };
    }

    /// <summary>Completes when every event queued so far (for every worker and the runtime-wide stream) is stored.</summary>
    public async Task FlushAsync()
    {
        foreach (var worker in Workers()) await worker.Appender.FlushAsync();
        await RuntimeAppender.FlushAsync();
    }

    /// <summary>Whether new work may start: the log is connected and no appender of the worker (or the runtime) is failing.</summary>
    internal bool IsEventLogAvailable(Worker? worker) =>
        (_logConnected?.Invoke() ?? true) && !RuntimeAppender.InOutage && worker?.Appender.InOutage != true;

    /// <summary>Fails runs in flight as interrupted, stores what is queued and stops every appender.</summary>
    public async ValueTask DisposeAsync()
    {
        Worker[] workers;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            workers = [.. _workers.Values];
        }
        await Task.WhenAll(workers.Select(w => w.DisposeAsync().AsTask()));
        await RuntimeAppender.DisposeAsync();
        Providers.Dispose();
    }

    /// <summary>How many of a worker's events wait in its appender's queue.</summary>
    internal int QueuedEvents(string workerId) => Find(workerId).Appender.Queued;

    private Worker[] Workers()
    {
        lock (_gate) return [.. _workers.Values];
    }

    private Worker Find(string workerId)
    {
        if (!ResourceId.IsValid(workerId)) throw Invalid("The worker id must match [A-Za-z0-9_-]{1,64}.");
        lock (_gate)
        {
            return _workers.TryGetValue(workerId, out var worker)
                ? worker
                : throw new WorkerCommandException(ApiErrorCodes.WorkerNotFound, $"Worker {workerId} does not exist on runtime {RuntimeId}.");
        }
    }

    private static Activity? StartCommand(string name, string? workerId)
    {
        var activity = RuntimeTelemetry.Source.StartActivity(name);
        if (workerId is not null && ResourceId.IsValid(workerId)) activity?.SetTag("yoi.worker_id", workerId);
        return activity;
    }

    private static WorkerCommandException Invalid(string message) => new(ApiErrorCodes.InvalidRequest, message);

    private async Task ProbeEventLogAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Log.GetMetadataAsync(Keys.RuntimeEvents, cancellationToken).AsTask().WaitAsync(CreateProbeTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogProbeFailed(_logger, ex.GetType().Name);
            throw Unavailable();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private WorkerCommandException LimitReached() =>
        new(ApiErrorCodes.WorkerLimitReached, $"Runtime {RuntimeId} already has {Options.MaxWorkers} workers (Runtime:MaxWorkers); delete stopped ones first.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "The event log did not answer a probe ({Error}); the command was refused")]
    private static partial void LogProbeFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} deleted")]
    private static partial void LogDeleted(ILogger logger, string workerId);

    private static WorkerCommandException Unavailable() =>
        new(ApiErrorCodes.EventLogUnavailable, "The event log is unavailable; try again later.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {RuntimeId} loaded {Count} workers from its registry")]
    private static partial void LogLoaded(ILogger logger, string runtimeId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId}: run {RunId} was cut off by a restart; closing it as failed")]
    private static partial void LogRecovering(ILogger logger, string workerId, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} created (provider {Provider})")]
    private static partial void LogCreated(ILogger logger, string workerId, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId} created while the event log is unavailable; it is stored when the log is back")]
    private static partial void LogCreatedNotYetStored(ILogger logger, string workerId);
}
