using System.Text;
using System.Text.Json;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// The mapping from a worker's events to AG-UI events (docs/agui.md): one worker event in, the AG-UI events it
/// becomes out, in order. Pure and deterministic: it holds only the structure of the run in flight, the same structure
/// <see cref="TranscriptFold"/> builds (parts in arrival order, which are open, tool calls and their results), so a
/// mapper resumed with <see cref="FromSnapshot"/> from the fold up to a cursor continues exactly as one that mapped
/// every event up to it. That is what makes a resumed AG-UI stream exact.
/// <para>
/// Guarantees, whatever the event sequence: a message, reasoning or tool call is started before its content and ended
/// once; everything open is ended before <c>RUN_FINISHED</c> / <c>RUN_ERROR</c>; run-scoped events come between
/// <c>RUN_STARTED</c> and the run's end; no event is dropped (what AG-UI has no event for becomes <c>CUSTOM</c>
/// <c>yoi.&lt;event&gt;</c>, unknown variants <c>RAW</c>). Ids: a worker run's AG-UI run id is its run id; part
/// <c>i</c> of run <c>r</c> is message <c>r-i</c> (its tool result <c>r-i-result</c>); a tool call keeps the
/// worker's call id; a user message is <c>user-&lt;cursor&gt;</c>.
/// </para>
/// </summary>
public sealed class AgUiMapper(string threadId)
{
    public const string Source = "yoi";

    private RunState? _run;

    public string ThreadId { get; } = threadId;

    /// <summary>The worker run the mapper is inside (between its <c>RUN_STARTED</c> and its end), or null.</summary>
    public string? OpenRunId => _run?.RunId;

    /// <summary>A mapper in the state the events folded into <paramref name="snapshot"/> leave it in.</summary>
    public static AgUiMapper FromSnapshot(string threadId, WorkerSnapshot snapshot)
    {
        var mapper = new AgUiMapper(threadId);
        if (snapshot.InFlight.OfType<AssistantEntry>().LastOrDefault() is not { } entry) return mapper;
        var run = new RunState(entry.RunId);
        foreach (var part in entry.Parts)
        {
            switch (part)
            {
                case ThinkingPart t:
                    run.Add(new Part(PartKind.Thinking) { Done = t.Done, Text = new StringBuilder(t.Text) });
                    break;
                case TextPart t:
                    run.Add(new Part(PartKind.Text) { Done = t.Done, Text = new StringBuilder(t.Text) });
                    break;
                case ToolCallPart c:
                    run.Add(new Part(PartKind.ToolCall)
                        { ToolId = c.Id, Name = c.Name, Done = c.Done, HasOutput = c.Output is not null, Text = new StringBuilder(c.Arguments) });
                    break;
                case OrphanToolResultPart o:
                    run.Add(new Part(PartKind.OrphanToolResult) { ToolId = o.Id, Done = true, HasOutput = true });
                    break;
            }
        }
        if (entry.Usage is { } usage) run.AddUsage(usage.InputTokens, usage.OutputTokens);
        run.LastError = entry.Errors.LastOrDefault();
        mapper._run = run;
        return mapper;
    }

    /// <summary>
    /// What a client that starts from the snapshot this mapper was made from needs to continue the run in flight:
    /// its <c>RUN_STARTED</c>, then a start for each entity still open (AG-UI clients reopen a message or tool call the
    /// snapshot already holds). Empty when no run is in flight.
    /// </summary>
    public IReadOnlyList<AgUiEvent> Reopen(StreamCursor cursor)
    {
        if (_run is not { } run) return [];
        var ts = Timestamp(cursor);
        var output = new List<AgUiEvent> { new RunStarted(ThreadId, run.RunId) { Timestamp = ts } };
        if (run.Last is { Done: false } last && last.Kind is PartKind.Text or PartKind.Thinking) Start(output, run, last, ts);
        foreach (var part in run.Parts)
        {
            if (part.Kind == PartKind.ToolCall && part.IsOpenToolCall)
                output.Add(new ToolCallStart(part.ToolId!, part.Name, MessageId(run, part)) { Timestamp = ts });
        }
        return output;
    }

    /// <summary>The AG-UI events the worker event at <paramref name="cursor"/> becomes (at least one).</summary>
    public IReadOnlyList<AgUiEvent> Map(StreamCursor cursor, WorkerEvent workerEvent)
    {
        ArgumentNullException.ThrowIfNull(workerEvent);
        var ts = Timestamp(cursor);
        var output = new List<AgUiEvent>(2);
        switch (workerEvent)
        {
            case UnknownEvent:
                output.Add(new Raw(ToJson(workerEvent), Source) { Timestamp = ts });
                break;
            case UserMessageEvent e:
                var userId = "user-" + cursor;
                output.Add(new TextMessageStart(userId, "user") { Timestamp = ts });
                output.Add(new TextMessageContent(userId, e.Text) { Timestamp = ts });
                output.Add(new TextMessageEnd(userId) { Timestamp = ts });
                break;
            case RunStartEvent e:
                if (_run is not null) EndRun(output, RunResults.Failed, ts, superseded: true);
                _run = new RunState(e.RunId);
                output.Add(new RunStarted(ThreadId, e.RunId) { Timestamp = ts });
                break;
            case RunEndEvent e when _run is not null && _run.RunId == e.RunId:
                EndRun(output, e.Result, ts, superseded: false);
                break;
            default:
                if (_run is null || !MapInRun(output, _run, workerEvent, ts)) output.Add(AsCustom(workerEvent, ts));
                break;
        }
        return output;
    }

    /// <summary>A stored entry that is not a readable worker event: passed on as <c>RAW</c>.</summary>
    public static AgUiEvent Unreadable(StreamCursor cursor, JsonElement stored) => new Raw(stored, Source) { Timestamp = Timestamp(cursor) };

    /// <summary>Maps an event inside a run; false when it has no AG-UI form there (it becomes <c>CUSTOM</c>).</summary>
    private static bool MapInRun(List<AgUiEvent> output, RunState run, WorkerEvent workerEvent, long? ts)
    {
        switch (workerEvent)
        {
            case ThinkingStartEvent:
                if (run.Last is { Kind: PartKind.Thinking, Done: false }) return false;
                OpenStreamingPart(output, run, PartKind.Thinking, ts);
                return true;
            case ThinkingDeltaEvent e:
                var thinking = OpenStreamingPart(output, run, PartKind.Thinking, ts);
                thinking.Text!.Append(e.Text);
                output.Add(new ReasoningMessageContent(MessageId(run, thinking), e.Text) { Timestamp = ts });
                return true;
            case TextDeltaEvent e:
                var text = OpenStreamingPart(output, run, PartKind.Text, ts);
                text.Text!.Append(e.Text);
                output.Add(new TextMessageContent(MessageId(run, text), e.Text) { Timestamp = ts });
                return true;
            case ThinkingDoneEvent e:
                return FinishStreamingPart(output, run, PartKind.Thinking, e.Text, ts);
            case TextDoneEvent e:
                return FinishStreamingPart(output, run, PartKind.Text, e.Text, ts);
            case ToolCallStartEvent e:
                if (run.ToolCall(e.Id) is not null) return false; // a second start only renames: no AG-UI form
                var started = AddPart(output, run, new Part(PartKind.ToolCall) { ToolId = e.Id, Name = e.Name, Text = new StringBuilder() }, ts);
                output.Add(new ToolCallStart(e.Id, e.Name, MessageId(run, started)) { Timestamp = ts });
                return true;
            case ToolCallArgsDeltaEvent e:
                var call = run.ToolCall(e.Id);
                if (call is null)
                {
                    call = AddPart(output, run, new Part(PartKind.ToolCall) { ToolId = e.Id, Name = "", Text = new StringBuilder() }, ts);
                    output.Add(new ToolCallStart(e.Id, "", MessageId(run, call)) { Timestamp = ts });
                }
                else if (!call.IsOpenToolCall)
                {
                    call.Text!.Append(e.Json);
                    return false;
                }
                call.Text!.Append(e.Json);
                output.Add(new ToolCallArgs(e.Id, e.Json) { Timestamp = ts });
                return true;
            case ToolCallDoneEvent e:
                return FinishToolCall(output, run, e, ts);
            case ToolResultEvent e:
                var target = run.ToolCall(e.Id);
                if (target is { HasOutput: true }) return false; // a second result replaces the first: no AG-UI form
                target ??= AddPart(output, run, new Part(PartKind.OrphanToolResult) { ToolId = e.Id, Done = true }, ts);
                if (target.IsOpenToolCall) output.Add(new ToolCallEnd(e.Id) { Timestamp = ts });
                target.HasOutput = true;
                output.Add(new ToolCallResult(MessageId(run, target) + "-result", e.Id, e.Output,
                    Metadata: e.IsError ? ErrorMetadata : null) { Timestamp = ts });
                return true;
            case UsageEvent e:
                run.AddUsage(e.InputTokens, e.OutputTokens);
                return false;
            case ErrorEvent e:
                run.LastError = new Protocol.Transcripts.RunError(e.Code, e.Message);
                return false;
            default:
                return false;
        }
    }

    /// <summary>The open part of <paramref name="kind"/> deltas extend: the last part when it is one, else a new one (started).</summary>
    private static Part OpenStreamingPart(List<AgUiEvent> output, RunState run, PartKind kind, long? ts)
    {
        if (run.Last is { Done: false } last && last.Kind == kind) return last;
        var part = AddPart(output, run, new Part(kind) { Text = new StringBuilder() }, ts);
        Start(output, run, part, ts);
        return part;
    }

    /// <summary>
    /// <c>text_done</c> / <c>thinking_done</c>: the authoritative text of the latest open part of the kind (or of a new
    /// closed part). When the streamed deltas are a prefix of it the rest is sent as content; otherwise the part is
    /// ended and the text follows as <c>CUSTOM yoi.text_done</c> / <c>yoi.thinking_done</c> (AG-UI cannot retract).
    /// </summary>
    private static bool FinishStreamingPart(List<AgUiEvent> output, RunState run, PartKind kind, string text, long? ts)
    {
        var part = run.LastOpen(kind);
        if (part is null)
        {
            part = AddPart(output, run, new Part(kind) { Text = new StringBuilder(text), Done = true }, ts);
            Start(output, run, part, ts);
            Content(output, run, part, text, ts);
            End(output, run, part, ts);
            return true;
        }
        var streamed = part.Text!.ToString();
        var agUiOpen = ReferenceEquals(part, run.Last);
        part.Text.Clear().Append(text);
        part.Done = true;
        if (!agUiOpen) return false;
        var extends = text.StartsWith(streamed, StringComparison.Ordinal);
        if (extends && text.Length > streamed.Length) Content(output, run, part, text[streamed.Length..], ts);
        End(output, run, part, ts);
        return extends;
    }

    private static bool FinishToolCall(List<AgUiEvent> output, RunState run, ToolCallDoneEvent e, long? ts)
    {
        var call = run.ToolCall(e.Id);
        if (call is null)
        {
            call = AddPart(output, run, new Part(PartKind.ToolCall) { ToolId = e.Id, Name = e.Name, Text = new StringBuilder(e.Arguments), Done = true }, ts);
            output.Add(new ToolCallStart(e.Id, e.Name, MessageId(run, call)) { Timestamp = ts });
            if (e.Arguments.Length > 0) output.Add(new ToolCallArgs(e.Id, e.Arguments) { Timestamp = ts });
            output.Add(new ToolCallEnd(e.Id) { Timestamp = ts });
            return true;
        }
        var wasOpen = call.IsOpenToolCall;
        var streamed = call.Text!.ToString();
        var sameName = call.Name == e.Name;
        call.Name = e.Name;
        call.Text.Clear().Append(e.Arguments);
        call.Done = true;
        if (!wasOpen) return false;
        var extends = sameName && e.Arguments.StartsWith(streamed, StringComparison.Ordinal);
        if (extends && e.Arguments.Length > streamed.Length) output.Add(new ToolCallArgs(e.Id, e.Arguments[streamed.Length..]) { Timestamp = ts });
        output.Add(new ToolCallEnd(e.Id) { Timestamp = ts });
        return extends;
    }

    /// <summary>Adds a part; the text or reasoning that was streaming (the last part, open) ends in AG-UI first.</summary>
    private static Part AddPart(List<AgUiEvent> output, RunState run, Part part, long? ts)
    {
        if (run.Last is { Done: false } last && last.Kind is PartKind.Text or PartKind.Thinking) End(output, run, last, ts);
        run.Add(part);
        return part;
    }

    /// <summary>Ends everything open, then the run: finished and cancelled are <c>RUN_FINISHED</c>, anything else <c>RUN_ERROR</c>.</summary>
    private void EndRun(List<AgUiEvent> output, string result, long? ts, bool superseded)
    {
        var run = _run!;
        _run = null;
        if (run.Last is { Done: false } last && last.Kind is PartKind.Text or PartKind.Thinking) End(output, run, last, ts);
        foreach (var part in run.Parts)
        {
            if (part.Kind == PartKind.ToolCall && part.IsOpenToolCall) output.Add(new ToolCallEnd(part.ToolId!) { Timestamp = ts });
        }
        IReadOnlyList<TokenUsageEntry>? usage = run.HasUsage ? [new TokenUsageEntry(run.InputTokens, run.OutputTokens, run.InputTokens + run.OutputTokens)] : null;
        if (superseded)
            output.Add(new RunError($"The run {run.RunId} ended without run_end: another run started.", Protocol.DiagnosticCodes.RunInterrupted, usage) { Timestamp = ts });
        else if (result == RunResults.Finished)
            output.Add(new RunFinished(ThreadId, run.RunId, RunOutcome.Success, usage) { Timestamp = ts });
        else if (result == RunResults.Cancelled)
            output.Add(new RunFinished(ThreadId, run.RunId, RunOutcome.Cancelled, usage) { Timestamp = ts });
        else if (result == RunResults.Failed && run.LastError is { } error)
            output.Add(new RunError(error.Message, error.Code, usage) { Timestamp = ts });
        else
            output.Add(new RunError($"The run ended with result '{result}'.", result, usage) { Timestamp = ts });
    }

    private static void Start(List<AgUiEvent> output, RunState run, Part part, long? ts)
    {
        var id = MessageId(run, part);
        if (part.Kind == PartKind.Text)
        {
            output.Add(new TextMessageStart(id, "assistant") { Timestamp = ts });
        }
        else
        {
            output.Add(new ReasoningStart(id) { Timestamp = ts });
            output.Add(new ReasoningMessageStart(id) { Timestamp = ts });
        }
    }

    private static void Content(List<AgUiEvent> output, RunState run, Part part, string delta, long? ts)
    {
        if (delta.Length == 0) return;
        var id = MessageId(run, part);
        output.Add(part.Kind == PartKind.Text ? new TextMessageContent(id, delta) { Timestamp = ts } : new ReasoningMessageContent(id, delta) { Timestamp = ts });
    }

    private static void End(List<AgUiEvent> output, RunState run, Part part, long? ts)
    {
        var id = MessageId(run, part);
        if (part.Kind == PartKind.Text)
        {
            output.Add(new TextMessageEnd(id) { Timestamp = ts });
        }
        else
        {
            output.Add(new ReasoningMessageEnd(id) { Timestamp = ts });
            output.Add(new ReasoningEnd(id) { Timestamp = ts });
        }
    }

    private static AgUiEvent AsCustom(WorkerEvent workerEvent, long? ts)
    {
        var json = ToJson(workerEvent);
        var data = json.TryGetProperty("data", out var d) ? d : default;
        return new Custom("yoi." + workerEvent.Kind, data.ValueKind == JsonValueKind.Undefined ? EmptyObject : data) { Timestamp = ts };
    }

    private static JsonElement ToJson(WorkerEvent workerEvent)
    {
        using var document = JsonDocument.Parse(WorkerEventJson.SerializeToUtf8Bytes(workerEvent));
        return document.RootElement.Clone();
    }

    internal static string MessageId(string runId, int index) => runId + "-" + index;

    private static string MessageId(RunState run, Part part) => MessageId(run.RunId, part.Index);

    /// <summary>The cursor's milliseconds (when the event was appended); none for the zero cursor.</summary>
    internal static long? Timestamp(StreamCursor cursor) =>
        cursor.IsZero || cursor.Milliseconds > 9007199254740991UL ? null : (long)cursor.Milliseconds;

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
    private static readonly JsonElement ErrorMetadata = JsonDocument.Parse("""{"yoi":{"is_error":true}}""").RootElement.Clone();

    private enum PartKind { Thinking, Text, ToolCall, OrphanToolResult }

    /// <summary>One part of the run in flight, as the fold has it: kind, closed or not, its text or arguments so far.</summary>
    private sealed class Part(PartKind kind)
    {
        public PartKind Kind { get; } = kind;
        public int Index { get; set; }
        public bool Done { get; set; }
        public string? ToolId { get; init; }
        public string Name { get; set; } = "";
        public StringBuilder? Text { get; init; }
        public bool HasOutput { get; set; }

        /// <summary>A tool call AG-UI still has open: started, neither done nor answered.</summary>
        public bool IsOpenToolCall => Kind == PartKind.ToolCall && !Done && !HasOutput;
    }

    private sealed class RunState(string runId)
    {
        private readonly Dictionary<string, Part> _toolCalls = new(StringComparer.Ordinal);

        public string RunId { get; } = runId;
        public List<Part> Parts { get; } = [];
        public Part? Last => Parts.Count == 0 ? null : Parts[^1];
        public long InputTokens { get; private set; }
        public long OutputTokens { get; private set; }
        public bool HasUsage { get; private set; }
        public Protocol.Transcripts.RunError? LastError { get; set; }

        public void Add(Part part)
        {
            part.Index = Parts.Count;
            Parts.Add(part);
            if (part.Kind == PartKind.ToolCall) _toolCalls.TryAdd(part.ToolId!, part);
        }

        public Part? ToolCall(string id) => _toolCalls.GetValueOrDefault(id);

        public Part? LastOpen(PartKind kind)
        {
            for (var i = Parts.Count - 1; i >= 0; i--)
            {
                if (Parts[i].Kind == kind && !Parts[i].Done) return Parts[i];
            }
            return null;
        }

        public void AddUsage(long input, long output)
        {
            InputTokens += input;
            OutputTokens += output;
            HasUsage = true;
        }
    }
}
