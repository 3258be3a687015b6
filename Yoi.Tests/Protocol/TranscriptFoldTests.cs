using System.Text;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using static Yoi.Tests.Protocol.WorkerEventCorpus;

namespace Yoi.Tests.Protocol;

public sealed class TranscriptFoldTests
{
    private static string Json(WorkerSnapshot snapshot) =>
        JsonSerializer.Serialize(snapshot, ProtocolJsonContext.Default.WorkerSnapshot);

    private static AssistantEntry OnlyAssistant(TranscriptState state) =>
        Assert.IsType<AssistantEntry>(Assert.Single(state.Transcript, e => e is AssistantEntry));

    [Fact]
    public void A_tool_run_folds_into_ordered_parts_with_its_result()
    {
        var state = TranscriptFold.Fold(ClockRun);

        Assert.Equal(WorkerStatuses.Idle, state.Status);
        Assert.Null(state.InFlight);
        Assert.Equal(new UserEntry("what is the clock"), state.Transcript[0]);
        var run = OnlyAssistant(state);
        Assert.Equal("r1", run.RunId);
        Assert.Equal(RunResults.Finished, run.Result);
        Assert.Equal(new TokenUsage(13, 7), run.Usage);
        Assert.Empty(run.Errors);
        Assert.Equal<ContentPart>(
        [
            new ThinkingPart("The user wants time.", true),
            new TextPart("Let me check.", true),
            new ToolCallPart("c1", "clock", "{}", true, "2026-01-01T00:00:00Z", false),
            new TextPart("It is midnight.", true),
        ], run.Parts);
        Assert.Equal("Let me check.It is midnight.", run.Text);
        Assert.Equal("The user wants time.", run.Thinking);
        Assert.Single(run.ToolCalls);
    }

    [Fact]
    public void Snapshot_json_has_the_documented_shape()
    {
        var json = Json(TranscriptFold.Fold(ClockRun).ToSnapshot());
        Assert.Equal(
            """{"status":"idle","transcript":[{"role":"user","text":"what is the clock"},{"role":"assistant","run_id":"r1","parts":[""" +
            """{"type":"thinking","text":"The user wants time.","done":true},{"type":"text","text":"Let me check.","done":true},""" +
            """{"type":"tool_call","id":"c1","name":"clock","arguments":"{}","done":true,"output":"2026-01-01T00:00:00Z","is_error":false},""" +
            """{"type":"text","text":"It is midnight.","done":true}],"result":"finished","usage":{"input_tokens":13,"output_tokens":7},"errors":[]}],""" +
            "\"in_flight\":[]}",
            json);
        var back = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.WorkerSnapshot)!;
        Assert.Equal(json, Json(back));
    }

    [Fact]
    public void Folding_is_deterministic()
    {
        Assert.Equal(Json(TranscriptFold.Fold(ClockRun).ToSnapshot()), Json(TranscriptFold.Fold(ClockRun).ToSnapshot()));
        var partial = ClockRun[..15];
        Assert.Equal(Json(TranscriptFold.Fold(partial).ToSnapshot()), Json(TranscriptFold.Fold(partial).ToSnapshot()));
    }

    [Fact]
    public void Interleaved_thinking_text_and_tool_calls_keep_arrival_order_and_merge_consecutive_deltas()
    {
        var state = TranscriptFold.Fold(InterleavedParts[..^1]); // before its run_end: every part still open
        var run = state.InFlight!;
        Assert.Equal<ContentPart>(
        [
            new ThinkingPart("ab", false),
            new TextPart("c", false),
            new ThinkingPart("d", false),
            new ToolCallPart("t1", "calc", "", false, null, false),
            new TextPart("ef", false),
        ], run.Parts);
    }

    [Fact]
    public void Two_interleaved_tool_calls_get_their_own_arguments_and_results()
    {
        var state = TranscriptFold.Fold(TwoToolCalls);
        Assert.Equal<ContentPart>(
        [
            new ToolCallPart("a", "calc", "{\"x\":1}", true, "division by zero", true),
            new ToolCallPart("b", "clock", "{}", true, "noon", false),
        ], OnlyAssistant(state).Parts);
    }

    [Fact]
    public void Arguments_accumulate_until_tool_call_done_fixes_them()
    {
        var state = TranscriptFold.Fold(ArgumentsFixedByDone[..4]); // start and two argument deltas
        Assert.Equal(new ToolCallPart("a", "calc", "{\"x\":2", false, null, false), Assert.Single(state.InFlight!.Parts));
        TranscriptFold.Apply(state, Assert.IsType<ToolCallDoneEvent>(ArgumentsFixedByDone[4]));
        Assert.Equal(new ToolCallPart("a", "calc2", "{\"x\":2}", true, null, false), Assert.Single(state.InFlight!.Parts));
    }

    [Fact]
    public void Cancelled_run_keeps_what_streamed()
    {
        var state = TranscriptFold.Fold(CancelledRun);
        var run = OnlyAssistant(state);
        Assert.Equal(RunResults.Cancelled, run.Result);
        // Text and thinking close with the run; the tool call that never got its arguments stays open.
        Assert.Equal<ContentPart>([new ThinkingPart("", true), new TextPart("Once upon", true), new ToolCallPart("t", "clock", "", false, null, false)],
            run.Parts);
        Assert.Null(state.InFlight);
    }

    [Fact]
    public void Failed_run_records_its_error()
    {
        var state = TranscriptFold.Fold(FailedRun);
        var run = OnlyAssistant(state);
        Assert.Equal(RunResults.Failed, run.Result);
        Assert.Equal([new RunError(ErrorCodes.ProviderError, "upstream 500")], run.Errors);
    }

    [Fact]
    public void Truncated_run_stays_in_flight()
    {
        var state = TranscriptFold.Fold(TruncatedRun);
        var snapshot = state.ToSnapshot();
        Assert.Equal(WorkerStatuses.Running, snapshot.Status);
        Assert.Equal([new UserEntry("hi")], snapshot.Transcript);
        var inFlight = Assert.IsType<AssistantEntry>(Assert.Single(snapshot.InFlight));
        Assert.Equal("r", inFlight.RunId);
        Assert.Null(inFlight.Result);
        Assert.Equal<ContentPart>([new ThinkingPart("hmm", false), new TextPart("Hel", false)], inFlight.Parts);
    }

    [Fact]
    public void Tool_result_for_an_unknown_id_is_kept_as_an_orphan()
    {
        var state = TranscriptFold.Fold(OrphanToolResult);
        Assert.Equal<ContentPart>(
        [
            new ToolCallPart("a", "calc", "", false, "5", false), // the later of its two results
            new OrphanToolResultPart("zzz", "lost", true),
        ], OnlyAssistant(state).Parts);
        Assert.Contains("\"type\":\"orphan_tool_result\"", Json(state.ToSnapshot()));
    }

    [Fact]
    public void Unknown_events_turn_markers_and_diagnostics_change_nothing()
    {
        var plain = TranscriptFold.Fold(ClockRun);
        var noisy = TranscriptFold.Fold(NoisyClockRun);
        Assert.Equal(ClockRun.Length * 5 + 4, NoisyClockRun.Length);
        Assert.Equal(Json(plain.ToSnapshot()), Json(noisy.ToSnapshot()));
    }

    [Fact]
    public void Run_events_outside_a_run_start_nothing()
    {
        var state = TranscriptFold.Fold(EventsOutsideARun);
        var run = OnlyAssistant(state);
        Assert.Empty(run.Parts);
        Assert.Null(run.Usage);
        Assert.Equal(RunResults.Finished, run.Result);
        Assert.Null(state.InFlight);
    }

    [Fact]
    public void Done_events_override_accumulated_deltas()
    {
        var state = TranscriptFold.Fold(DoneEventsOverrideDeltas[..7]); // up to the open "next"
        Assert.Equal<ContentPart>(
        [
            new ThinkingPart("think", true),
            new TextPart("Hello world", true),
            new TextPart("Standalone", true),
            new TextPart("next", false),
        ], state.InFlight!.Parts);
    }

    [Fact]
    public void Multiple_runs_and_statuses()
    {
        // Up to r4's delta: r3 is superseded by r4, which is in flight.
        var state = TranscriptFold.Fold(SeveralRuns[..^3]);
        Assert.Collection(state.Transcript,
            e => Assert.Equal(new UserEntry("one"), e),
            e => Assert.Equal(("r1", RunResults.Finished, "1"), Summary(e)),
            e => Assert.Equal(new UserEntry("two"), e),
            e => Assert.Equal(("r2", RunResults.LimitReached, "2"), Summary(e)),
            e => Assert.Equal(new UserEntry("three"), e),
            e => Assert.Equal(("r3", (string?)null, "3"), Summary(e)));
        Assert.Equal("r4", state.InFlightRunId);
        Assert.Equal("4", state.InFlight!.Text);

        // Then r4 is cancelled and worker_stopped alone sets the status (before the status event that follows it).
        state = TranscriptFold.Fold(SeveralRuns[..^1]);
        Assert.Equal(WorkerStatuses.Stopped, state.Status);
        Assert.Null(state.InFlight);
        Assert.Equal(("r4", RunResults.Cancelled, "4"), Summary(state.Transcript[^1]));

        static (string, string?, string) Summary(TranscriptEntry e) =>
            Assert.IsType<AssistantEntry>(e) is var a ? (a.RunId, a.Result, a.Text) : default;
    }

    [Fact]
    public void Folding_from_any_snapshot_then_the_rest_equals_folding_everything()
    {
        WorkerEvent[] events =
        [
            .. ClockRun,
            new UserMessageEvent("again"),
            new RunStartEvent("r2"),
            new ThinkingDeltaEvent("x"),
            new ToolCallStartEvent("c9", "calc"),
            new ToolCallArgsDeltaEvent("c9", "{\"a\""),
            new TextDeltaEvent("y"),
            new ToolResultEvent("nope", "o", false),
            new UsageEvent(1, 2),
            new ErrorEvent(ErrorCodes.ToolError, "bad"),
        ];
        var whole = Json(TranscriptFold.Fold(events).ToSnapshot());
        for (var split = 0; split <= events.Length; split++)
        {
            var snapshotJson = Json(TranscriptFold.Fold(events[..split]).ToSnapshot());
            var snapshot = JsonSerializer.Deserialize(snapshotJson, ProtocolJsonContext.Default.WorkerSnapshot)!;
            var resumed = TranscriptState.FromSnapshot(snapshot);
            foreach (var e in events[split..]) TranscriptFold.Apply(resumed, e);
            Assert.Equal(whole, Json(resumed.ToSnapshot()));
        }
    }

    [Fact]
    public void Clone_is_independent()
    {
        var state = TranscriptFold.Fold([new RunStartEvent("r"), new TextDeltaEvent("a"), new ToolCallStartEvent("t", "calc")]);
        var before = Json(state.ToSnapshot());
        var copy = state.Clone();
        TranscriptFold.Apply(copy, new TextDeltaEvent("b"));
        TranscriptFold.Apply(copy, new ToolResultEvent("t", "out", false));
        TranscriptFold.Apply(copy, new RunEndEvent("r", RunResults.Finished));
        Assert.Equal(before, Json(state.ToSnapshot()));
        Assert.NotEqual(before, Json(copy.ToSnapshot()));
    }

    [Fact]
    public void Fold_of_events_read_from_the_wire_matches_fold_of_the_originals()
    {
        var wire = ClockRun.Select(WorkerEventJson.SerializeToUtf8Bytes).Select(b => WorkerEventJson.Deserialize(b));
        Assert.Equal(Json(TranscriptFold.Fold(ClockRun).ToSnapshot()), Json(TranscriptFold.Fold(wire).ToSnapshot()));
    }

    [Fact]
    public void A_long_run_folds_in_linear_time()
    {
        var events = new List<WorkerEvent> { new RunStartEvent("r") };
        for (var i = 0; i < 200_000; i++) events.Add(i % 1000 == 0 ? new ThinkingDeltaEvent("t") : new TextDeltaEvent("word "));
        var state = TranscriptFold.Fold(events);
        Assert.Equal(200 * 2, state.InFlight!.Parts.Count);
        Assert.Equal(199_800 * 5, Encoding.UTF8.GetByteCount(state.InFlight.Text));
    }

    [Fact]
    public void Snapshot_entries_read_with_the_discriminator_anywhere()
    {
        var snapshot = JsonSerializer.Deserialize(
            """{"in_flight":[],"transcript":[{"text":"hi","role":"user"},{"run_id":"r","parts":[{"text":"a","done":true,"type":"text"}],"result":"finished","usage":null,"errors":[],"role":"assistant"}],"status":"idle"}""",
            ProtocolJsonContext.Default.WorkerSnapshot)!;
        Assert.Equal(new UserEntry("hi"), snapshot.Transcript[0]);
        Assert.Equal("a", Assert.IsType<AssistantEntry>(snapshot.Transcript[1]).Text);
    }

    [Fact]
    public void Snapshot_bytes_parse_back_and_bad_snapshots_are_format_errors()
    {
        var snapshot = TranscriptFold.Fold([.. ClockRun, new UserMessageEvent("日本語 \"q\""), new RunStartEvent("r9"), new TextDeltaEvent("é")]).ToSnapshot();
        var bytes = snapshot.ToUtf8Bytes();
        Assert.Contains("日本語 \\\"q\\\"", Encoding.UTF8.GetString(bytes));
        Assert.Equal(Json(snapshot), Json(WorkerSnapshot.Parse(bytes)));
        Assert.Throws<ProtocolFormatException>(() => WorkerSnapshot.Parse("""{"status":"idle","transcript":[{"text":"x"}],"in_flight":[]}"""u8));
        Assert.Throws<ProtocolFormatException>(() => WorkerSnapshot.Parse("""{"status":"idle","transcript":[]}"""u8));
        Assert.Throws<ProtocolFormatException>(() => WorkerSnapshot.Parse("null"u8));
        Assert.Throws<ProtocolFormatException>(() => WorkerSnapshot.Parse([0xFF]));
    }
}
