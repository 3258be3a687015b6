using Yoi.Protocol.Events;

namespace Yoi.Protocol.Transcripts;

/// <summary>
/// The transcript is a fold of the event sequence (docs/protocol.md, transcript): this one function builds the Runtime's transcript, the
/// Backend's snapshots and a client's view alike. It never throws on any event sequence and is deterministic.
/// <list type="bullet">
/// <item><c>user_message</c> completes a user entry; <c>status</c>, <c>worker_created</c> (idle) and
/// <c>worker_stopped</c> (stopped) set the status.</item>
/// <item><c>run_start</c> opens an assistant entry (in flight); <c>run_end</c> with the same run id completes it with
/// its result. A <c>run_start</c> while another run is open completes the open one with no result.</item>
/// <item>Inside a run, parts keep arrival order: a delta extends the last part when it is an open part of the same
/// kind, else starts a new one; <c>text_done</c> / <c>thinking_done</c> replace the text of the latest open part of
/// their kind (or add a closed part) and close it; <c>tool_call_start</c> opens a call, argument deltas
/// concatenate, <c>tool_call_done</c> fixes name and arguments, <c>tool_result</c> attaches to the call with its
/// id or, for an unknown id, is kept as an <c>orphan_tool_result</c> part; <c>usage</c> sums; <c>error</c> is
/// recorded on the entry.</item>
/// <item>Run events outside a run, turn markers, diagnostics and unknown events change nothing: an assistant entry
/// covers every turn of its run, so a snapshot carries no turn state and resuming from one stays exact.</item>
/// </list>
/// </summary>
public static class TranscriptFold
{
    public static TranscriptState Fold(IEnumerable<WorkerEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = new TranscriptState();
        foreach (var e in events) Apply(state, e);
        return state;
    }

    /// <summary>Advances <paramref name="state"/> by one event, in place, and returns it.</summary>
    public static TranscriptState Apply(TranscriptState state, WorkerEvent workerEvent)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(workerEvent);
        switch (workerEvent)
        {
            case UserMessageEvent e:
                state.Complete(new UserEntry(e.Text));
                break;
            case StatusEvent e:
                state.Status = e.Status;
                break;
            case WorkerCreatedEvent:
                state.Status = WorkerStatuses.Idle;
                break;
            case WorkerStoppedEvent:
                state.Status = WorkerStatuses.Stopped;
                break;
            case RunStartEvent e:
                if (state.Run is { } superseded) Close(state, superseded, result: null);
                state.Run = new RunBuilder(e.RunId);
                break;
            case RunEndEvent e:
                if (state.Run is { } run && run.RunId == e.RunId) Close(state, run, e.Result);
                break;
            default:
                if (state.Run is { } current) ApplyToRun(current, workerEvent);
                break;
        }
        return state;
    }

    private static void Close(TranscriptState state, RunBuilder run, string? result)
    {
        run.CloseOpenText();
        state.Complete(run.ToEntry(result));
        state.Run = null;
    }

    private static void ApplyToRun(RunBuilder run, WorkerEvent workerEvent)
    {
        switch (workerEvent)
        {
            case ThinkingStartEvent:
                OpenPart(run, PartKind.Thinking);
                break;
            case ThinkingDeltaEvent e:
                OpenPart(run, PartKind.Thinking).Text.Append(e.Text);
                break;
            case ThinkingDoneEvent e:
                FinishPart(run, PartKind.Thinking, e.Text);
                break;
            case TextDeltaEvent e:
                OpenPart(run, PartKind.Text).Text.Append(e.Text);
                break;
            case TextDoneEvent e:
                FinishPart(run, PartKind.Text, e.Text);
                break;
            case ToolCallStartEvent e:
                ToolCall(run, e.Id).Name = e.Name;
                break;
            case ToolCallArgsDeltaEvent e:
                ToolCall(run, e.Id).Text.Append(e.Json);
                break;
            case ToolCallDoneEvent e:
                var done = ToolCall(run, e.Id);
                done.Name = e.Name;
                done.Text.Clear().Append(e.Arguments);
                done.Done = true;
                break;
            case ToolResultEvent e:
                var call = run.ToolCall(e.Id)
                    ?? run.Add(new PartBuilder(PartKind.OrphanToolResult) { Id = e.Id, Done = true });
                call.Output = e.Output;
                call.IsError = e.IsError;
                break;
            case UsageEvent e:
                run.AddUsage(e.InputTokens, e.OutputTokens);
                break;
            case ErrorEvent e:
                run.AddError(new RunError(e.Code, e.Message));
                break;
        }
    }

    /// <summary>The last part when it is an open part of <paramref name="kind"/>, else a new open one.</summary>
    private static PartBuilder OpenPart(RunBuilder run, PartKind kind) =>
        run.Last is { Done: false } last && last.Kind == kind ? last : run.Add(new PartBuilder(kind));

    private static void FinishPart(RunBuilder run, PartKind kind, string text)
    {
        var part = run.LastOpen(kind) ?? run.Add(new PartBuilder(kind));
        part.Text.Clear().Append(text);
        part.Done = true;
    }

    private static PartBuilder ToolCall(RunBuilder run, string id) =>
        run.ToolCall(id) ?? run.Add(new PartBuilder(PartKind.ToolCall) { Id = id });
}
