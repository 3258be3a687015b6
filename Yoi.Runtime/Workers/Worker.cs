using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Yoi.EventLog;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Runtime.Providers;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Streams;

namespace Yoi.Runtime.Workers;

/// <summary>
/// One worker: its status, its run in flight and its ordered appender. Commands change the status under a lock;
/// the run executes on its own task and emits every event through <see cref="EmitAsync"/>, in order. Each stored
/// event is folded into the worker's checkpoint state (on the appender loop), and a checkpoint plus a registry
/// record are written after the run's last event.
/// </summary>
internal sealed partial class Worker : IAsyncDisposable
{
    private readonly WorkerRuntime _runtime;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly TranscriptState _state; // touched only by the appender loop
    private WorkerRecord _record;
    private ActiveRun? _run;

    public Worker(WorkerRuntime runtime, WorkerRecord record, ILogger logger,
        TranscriptState? state = null, StreamCursor? lastCursor = null)
    {
        _runtime = runtime;
        _record = record;
        _logger = logger;
        _state = state ?? new TranscriptState();
        Appender = new OrderedEventAppender(runtime.Log, runtime.Keys.WorkerEvents(record.WorkerId), $"worker {record.WorkerId}", runtime.Retention,
            runtime.Options.EventLogOutageLimit, logger, lastCursor ?? StreamCursor.Zero,
            onStored: (_, e) => TranscriptFold.Apply(_state, e),
            onOutageLimit: () => Fail(RunStop.EventLogOutage),
            checkpoint: SaveCheckpointAsync,
            checkpointEvery: CheckpointInterval(runtime.Retention.MaxLength));
    }

    private sealed class ActiveRun(string runId, CancellationTokenSource cancellation)
    {
        public string RunId { get; } = runId;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public RunStop Reason { get; set; } = RunStop.None;
        public Task Task { get; set; } = Task.CompletedTask;
        /// <summary>Released once the run's opening events are queued, so the provider's events follow them.</summary>
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private enum RunStop { None, Cancel, Stop, EventLogOutage, Shutdown }

    public string Id => _record.WorkerId;

    public OrderedEventAppender Appender { get; }

    public WorkerRecord Record { get { lock (_gate) return _record; } }

    public WorkerInfo Info()
    {
        lock (_gate)
            return new WorkerInfo(_record.WorkerId, _runtime.RuntimeId, _record.Status, _record.Provider, _record.CreatedAt,
                _run?.RunId, Appender.LastCursor is { IsZero: false } last ? last.ToString() : null);
    }

    /// <summary>Emits <c>worker_created</c>, <c>status{idle}</c> and writes the first record and checkpoint.</summary>
    public async Task CreatedAsync()
    {
        await EmitAsync(new WorkerCreatedEvent(Id, _record.Provider, _record.CreatedAt));
        await EmitAsync(new StatusEvent(WorkerStatuses.Idle));
        await PersistAsync(_record);
    }

    /// <summary>Closes a run that a previous process left in flight: diagnostic, <c>run_end{failed}</c>, <c>status{idle}</c>.</summary>
    public async Task RecoverInterruptedRunAsync(string runId)
    {
        await EmitAsync(new DiagnosticEvent(DiagnosticCodes.RunInterrupted,
            $"Run {runId} was cut off (the runtime stopped while it was in progress) and is closed as failed."));
        await EmitAsync(new RunEndEvent(runId, RunResults.Failed));
        if (_record.Status != WorkerStatuses.Stopped) await EmitAsync(new StatusEvent(WorkerStatuses.Idle));
        lock (_gate) _record = _record with { RunId = null, Status = _record.Status == WorkerStatuses.Stopped ? WorkerStatuses.Stopped : WorkerStatuses.Idle };
        await PersistAsync(Record);
    }

    public async Task<CommandAccepted> SendInputAsync(string text)
    {
        ActiveRun run;
        lock (_gate)
        {
            if (_record.Status == WorkerStatuses.Stopped) throw Stopped();
            if (_run is not null) throw new WorkerCommandException(ApiErrorCodes.AlreadyRunning, $"Worker {Id} is already running run {_run.RunId}.");
            if (!_runtime.IsEventLogAvailable(this))
                throw new WorkerCommandException(ApiErrorCodes.EventLogUnavailable, "The event log is unavailable; try again later.");
            run = new ActiveRun(WorkerIds.NewRunId(), new CancellationTokenSource());
            _run = run;
            _record = _record with { Status = WorkerStatuses.Running, RunId = run.RunId };
            run.Task = Task.Run(async () =>
            {
                await run.Opened.Task;
                await ExecuteAsync(run, text);
            });
        }
        try
        {
            await EmitAsync(new UserMessageEvent(text));
            await EmitAsync(new RunStartEvent(run.RunId));
            await EmitAsync(new StatusEvent(WorkerStatuses.Running));
            await PersistAsync(Record, checkpoint: false);
        }
        finally
        {
            run.Opened.TrySetResult();
        }
        return new CommandAccepted(Id, run.RunId);
    }

    public CommandAccepted Cancel()
    {
        lock (_gate)
        {
            if (_record.Status == WorkerStatuses.Stopped) throw Stopped();
            if (_run is null) throw new WorkerCommandException(ApiErrorCodes.NotRunning, $"Worker {Id} has no run in progress.");
            if (_run.Reason == RunStop.None) _run.Reason = RunStop.Cancel;
            _run.Cancellation.Cancel();
            return new CommandAccepted(Id, _run.RunId);
        }
    }

    public async Task<CommandAccepted> StopAsync(string reason)
    {
        ActiveRun? run;
        lock (_gate)
        {
            if (_record.Status == WorkerStatuses.Stopped) throw Stopped();
            _record = _record with { Status = WorkerStatuses.Stopped };
            run = _run;
            if (run is not null)
            {
                if (run.Reason == RunStop.None) run.Reason = RunStop.Stop;
                run.Cancellation.Cancel();
            }
        }
        // The run closes first (run_end{cancelled}), then the worker stops.
        if (run is not null) await run.Task;
        await EmitAsync(new WorkerStoppedEvent(Id, reason));
        await EmitAsync(new StatusEvent(WorkerStatuses.Stopped));
        lock (_gate) _record = _record with { Status = WorkerStatuses.Stopped, RunId = null };
        await PersistAsync(Record);
        return new CommandAccepted(Id, run?.RunId);
    }

    /// <summary>Fails the run in flight (event log outage, shutdown); no-op when idle.</summary>
    private void Fail(RunStop reason)
    {
        lock (_gate)
        {
            if (_run is null) return;
            if (_run.Reason == RunStop.None) _run.Reason = reason;
            _run.Cancellation.Cancel();
        }
    }

    private async Task ExecuteAsync(ActiveRun run, string text)
    {
        using var activity = RuntimeTelemetry.Source.StartActivity("worker run");
        activity?.SetTag("yoi.worker_id", Id);
        activity?.SetTag("yoi.run_id", run.RunId);
        var result = RunResults.Failed;
        var record = Record;
        ProviderRun? providerRun = null;
        WorkerEvent? failure = null; // error or diagnostic saying why the run ended early
        try
        {
            var provider = _runtime.Providers.Find(record.Provider)
                ?? throw new ProviderException(_runtime.Providers.Unavailable(record.Provider)!);
            var messages = await ConversationAsync(provider, record, text, run.Cancellation.Token);
            providerRun = new ProviderRun(run.RunId, messages, _runtime.Tools, EmitAsync, record.Model);
            result = await ChatRunLoop.RunAsync(provider, providerRun, run.Cancellation.Token);
        }
        catch (Exception) when (run.Cancellation.IsCancellationRequested)
        {
            // Cancelled (by cancel, stop, an outage or shutdown): whatever the provider threw while unwinding.
            switch (run.Reason)
            {
                case RunStop.EventLogOutage:
                    failure = new ErrorEvent(ErrorCodes.Internal,
                        $"event log unavailable for more than {_runtime.Options.EventLogOutageLimitSeconds:0.###} s; the run was stopped");
                    result = RunResults.Failed;
                    break;
                case RunStop.Shutdown:
                    failure = new DiagnosticEvent(DiagnosticCodes.RunInterrupted, "The runtime is shutting down; the run is closed as failed.");
                    result = RunResults.Failed;
                    break;
                default:
                    result = RunResults.Cancelled;
                    break;
            }
        }
        catch (ProviderException ex)
        {
            LogRunFailed(_logger, Id, run.RunId, ex.Message);
            failure = new ErrorEvent(ErrorCodes.ProviderError, ex.Message);
        }
        catch (Exception ex)
        {
            LogRunCrashed(_logger, ex, Id, run.RunId);
            failure = new ErrorEvent(ErrorCodes.Internal, "The run failed unexpectedly.");
        }

        // A turn the provider did not end (it was cut off) ends first, with the run's outcome; then why, then run_end.
        if (providerRun is { InTurn: true }) await providerRun.EndTurnAsync(OpenTurnResult(result));
        if (failure is not null) await EmitAsync(failure);
        await EmitAsync(new RunEndEvent(run.RunId, result));
        bool stopping;
        lock (_gate) stopping = _record.Status == WorkerStatuses.Stopped;
        if (!stopping) await EmitAsync(new StatusEvent(WorkerStatuses.Idle));
        lock (_gate)
        {
            _record = _record with { RunId = null, Status = stopping ? WorkerStatuses.Stopped : WorkerStatuses.Idle };
            record = _record;
        }
        await PersistAsync(record);
        lock (_gate)
        {
            // Only now may a new input start: its events queue after this run's status{idle}.
            _run = null;
        }
        run.Cancellation.Dispose();
    }

    /// <summary>The <c>turn_end</c> result of a turn still open when its run ends with <paramref name="runResult"/>.</summary>
    internal static string OpenTurnResult(string runResult) => runResult switch
    {
        RunResults.Cancelled => TurnResults.Cancelled,
        RunResults.Finished => TurnResults.EndTurn,
        _ => TurnResults.Failed,
    };

    /// <summary>
    /// What the model is sent: for a provider that replays history, the worker's conversation rebuilt from its durable
    /// transcript once every event queued so far (this run's <c>user_message</c> included) is stored, so a restarted
    /// runtime continues it; for the scripted provider, the new input alone.
    /// </summary>
    private async Task<List<Microsoft.Extensions.AI.ChatMessage>> ConversationAsync(ModelProvider provider, WorkerRecord record, string text,
        CancellationToken cancellationToken)
    {
        if (!provider.ReplaysHistory) return ConversationHistory.Build(record.Instructions, [new UserEntry(text)]);
        await Appender.FlushAsync().WaitAsync(cancellationToken);
        var transcript = await _runtime.GetTranscriptAsync(Id, cancellationToken);
        return ConversationHistory.Build(record.Instructions, transcript.Snapshot.Transcript);
    }

    /// <summary>Queues the event on this worker's stream and, for lifecycle kinds, on the runtime-wide stream.</summary>
    public async ValueTask EmitAsync(WorkerEvent workerEvent)
    {
        var payload = WorkerEventJson.SerializeToUtf8Bytes(workerEvent);
        var parent = Activity.Current?.Context ?? default;
        try
        {
            await Appender.EnqueueAsync(workerEvent, payload, parent);
            if (EventKinds.IsLifecycle(workerEvent.Kind))
                await _runtime.RuntimeAppender.EnqueueAsync(workerEvent, RuntimeStreamPayload.WithWorkerId(payload, Id), parent);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            LogDroppedAfterClose(_logger, Id, workerEvent.Kind);
        }
    }

    /// <summary>Writes the registry record and (optionally) the checkpoint after the events queued so far are stored.</summary>
    private async ValueTask PersistAsync(WorkerRecord record, bool checkpoint = true)
    {
        try
        {
            await Appender.EnqueueActionAsync("registry", async (_, ct) => await _runtime.Registry.SaveAsync(record, ct));
            if (checkpoint) await Appender.EnqueueActionAsync("checkpoint", SaveCheckpointAsync);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            LogDroppedAfterClose(_logger, Id, "registry");
        }
    }

    /// <summary>Runs on the appender loop, after every queued event up to <paramref name="cursor"/> is stored and folded.</summary>
    private async ValueTask SaveCheckpointAsync(StreamCursor cursor, CancellationToken cancellationToken) =>
        await _runtime.Snapshots.SaveAsync(_runtime.Keys.WorkerState(Id), new SnapshotCheckpoint(cursor, _state.ToSnapshot()), cancellationToken);

    /// <summary>Checkpoints often enough that retention (<c>MAXLEN ~</c>) cannot trim past the last one: a quarter of it, at most 1000.</summary>
    internal static int CheckpointInterval(long maxLength) => (int)Math.Clamp(maxLength / 4, 1, 1000);

    /// <summary>Fails a run in flight as interrupted, then stores what is queued.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? running;
        lock (_gate) running = _run?.Task;
        Fail(RunStop.Shutdown);
        if (running is not null) await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5)));
        await Appender.DisposeAsync();
    }

    private WorkerCommandException Stopped() => new(ApiErrorCodes.WorkerStopped, $"Worker {Id} is stopped.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} of worker {WorkerId} failed: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string workerId, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} of worker {WorkerId} crashed")]
    private static partial void LogRunCrashed(ILogger logger, Exception exception, string workerId, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId}: '{Kind}' produced after shutdown was not stored")]
    private static partial void LogDroppedAfterClose(ILogger logger, string workerId, string kind);
}
