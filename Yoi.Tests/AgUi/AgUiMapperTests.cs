using System.Text.Json;
using Yoi.BackendService.AgUi;
using Yoi.BackendService.Projection;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Tests.Protocol;
using RunError = Yoi.BackendService.AgUi.RunError;

namespace Yoi.Tests.AgUi;

public sealed class AgUiMapperTests
{
    private static StreamCursor At(int i) => new(1_700_000_000_000UL + (ulong)i, 0);

    /// <summary>Maps every event; each worker event becomes at least one AG-UI event.</summary>
    private static List<List<AgUiEvent>> MapAll(AgUiMapper mapper, IReadOnlyList<WorkerEvent> events, int from = 0)
    {
        var groups = new List<List<AgUiEvent>>();
        for (var i = from; i < events.Count; i++) groups.Add([.. mapper.Map(At(i), events[i])]);
        return groups;
    }

    private static string Wire(IEnumerable<AgUiEvent> events) => string.Join("\n", events.Select(SseWriter.Serialize));

    public static TheoryData<string> CorpusNames() => [.. WorkerEventCorpus.All.Select(c => c.Name)];

    private static WorkerEvent[] Corpus(string name) => WorkerEventCorpus.All.Single(c => c.Name == name).Events;

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void Every_corpus_sequence_maps_to_events_that_keep_the_AG_UI_order_rules_and_drop_nothing(string name)
    {
        var events = Corpus(name);
        var groups = MapAll(new AgUiMapper("w1"), events);

        Assert.All(groups, g => Assert.NotEmpty(g));
        AgUiOrderRules.Check([.. groups.SelectMany(g => g)], threadStream: true);
        // Within a worker event's group, only the next run's start may follow a run's end.
        Assert.All(groups, g => Assert.All(g.SkipWhile(e => e is not (RunFinished or RunError)).Skip(1), e => Assert.IsType<RunStarted>(e)));
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void A_mapper_resumed_from_the_fold_at_any_cursor_continues_exactly_as_the_one_that_mapped_everything(string name)
    {
        var events = Corpus(name);
        var reference = MapAll(new AgUiMapper("w1"), events);
        for (var cut = 0; cut <= events.Length; cut++)
        {
            var fold = TranscriptFold.Fold(events.Take(cut));
            var resumed = MapAll(AgUiMapper.FromSnapshot("w1", fold.ToSnapshot()), events, cut);
            Assert.Equal(Wire(reference.Skip(cut).SelectMany(g => g)), Wire(resumed.SelectMany(g => g)));
        }
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void A_stream_started_from_a_snapshot_at_any_cursor_is_valid_to_the_end(string name)
    {
        var events = Corpus(name);
        for (var cut = 0; cut <= events.Length; cut++)
        {
            var snapshot = TranscriptFold.Fold(events.Take(cut)).ToSnapshot();
            var (opening, mapper) = AgUiSnapshot.Start("w1", At(cut), snapshot);
            var rest = MapAll(mapper, events, cut).SelectMany(g => g);
            AgUiOrderRules.Check([.. opening, .. rest], threadStream: true);
            Assert.Single(opening, e => e is MessagesSnapshot);
        }
    }

    [Fact]
    public void A_tool_run_becomes_text_reasoning_and_tool_call_events_whose_content_is_the_transcript()
    {
        var groups = MapAll(new AgUiMapper("w1"), WorkerEventCorpus.ClockRun);
        var all = groups.SelectMany(g => g).ToList();
        var run = Assert.IsType<AssistantEntry>(TranscriptFold.Fold(WorkerEventCorpus.ClockRun).Transcript[^1]);

        var assistantIds = all.OfType<TextMessageStart>().Where(s => s.Role == "assistant").Select(s => s.MessageId).ToHashSet();
        Assert.Equal(run.Text, string.Concat(all.OfType<TextMessageContent>().Where(c => assistantIds.Contains(c.MessageId)).Select(c => c.Delta)));
        Assert.Equal(run.Thinking, string.Concat(all.OfType<ReasoningMessageContent>().Select(c => c.Delta)));
        Assert.Equal(["r1-1", "r1-3"], assistantIds);
        Assert.Equal("r1-0", all.OfType<ReasoningStart>().Single().MessageId);
        Assert.Equal(new ToolCallStart("c1", "clock", "r1-2") { Timestamp = 1_700_000_000_012 }, all.OfType<ToolCallStart>().Single());
        Assert.Equal("{}", string.Concat(all.OfType<ToolCallArgs>().Select(a => a.Delta)));
        var result = all.OfType<ToolCallResult>().Single();
        Assert.Equal(("r1-2-result", "c1", "2026-01-01T00:00:00Z", "tool", (JsonElement?)null),
            (result.MessageId, result.ToolCallId, result.Content, result.Role, result.Metadata));
        var finished = Assert.IsType<RunFinished>(all.Single(e => e is RunFinished));
        Assert.Equal(("w1", "r1", "success"), (finished.ThreadId, finished.RunId, finished.Outcome!.Type));
        Assert.Empty(finished.Outcome.PendingToolCallIds!);
        Assert.Equal([new TokenUsageEntry(13, 7, 20)], finished.Usage);
        Assert.Equal([AgUiEventTypes.TextMessageStart, AgUiEventTypes.TextMessageContent, AgUiEventTypes.TextMessageEnd],
            groups[1].Select(e => e.Type));
        Assert.Equal(["yoi.worker_created", "yoi.status", "yoi.turn_start", "yoi.turn_end", "yoi.turn_start", "yoi.usage", "yoi.usage",
            "yoi.turn_end", "yoi.status"], all.OfType<Custom>().Select(c => c.Name));
    }

    [Fact]
    public void Cancelled_runs_finish_with_the_cancelled_outcome_after_everything_open_is_ended()
    {
        var events = Corpus("cancelled run");
        var end = MapAll(new AgUiMapper("w1"), events)[5];
        Assert.Equal([AgUiEventTypes.ToolCallEnd, AgUiEventTypes.RunFinished], end.Select(e => e.Type));
        Assert.Equal("cancelled", Assert.IsType<RunFinished>(end[^1]).Outcome!.Type);
        Assert.Equal("""{"type":"RUN_FINISHED","timestamp":1700000000005,"threadId":"w1","runId":"r","outcome":{"type":"cancelled"}}""",
            SseWriter.Serialize(end[^1]));
    }

    [Fact]
    public void Failed_and_limited_runs_end_with_RUN_ERROR_carrying_the_runs_error()
    {
        var failed = MapAll(new AgUiMapper("w1"), Corpus("failed run"));
        Assert.Equal(["yoi.error"], failed[2].OfType<Custom>().Select(c => c.Name));
        var error = Assert.IsType<RunError>(failed[3][^1]);
        Assert.Equal(("upstream 500", ErrorCodes.ProviderError), (error.Message, error.Code));
        Assert.IsType<TextMessageEnd>(failed[3][0]);

        var runs = MapAll(new AgUiMapper("w1"), Corpus("several runs, a superseded one and a stop"));
        Assert.Equal(RunResults.LimitReached, Assert.IsType<RunError>(runs[8][^1]).Code);
        var superseded = runs[12];
        Assert.Equal([AgUiEventTypes.TextMessageEnd, AgUiEventTypes.RunError, AgUiEventTypes.RunStarted], superseded.Select(e => e.Type));
        Assert.Equal(DiagnosticCodes.RunInterrupted, Assert.IsType<RunError>(superseded[1]).Code);
    }

    [Fact]
    public void Unknown_variants_pass_as_RAW_and_events_outside_a_run_as_CUSTOM()
    {
        using var doc = JsonDocument.Parse("""{"x":[1,"two"]}""");
        var mapper = new AgUiMapper("w1");
        var raw = Assert.IsType<Raw>(Assert.Single(mapper.Map(At(1), new UnknownEvent("future_thing", doc.RootElement.Clone()))));
        Assert.Equal("""{"type":"RAW","timestamp":1700000000001,"event":{"event":"future_thing","data":{"x":[1,"two"]}},"source":"yoi"}""",
            SseWriter.Serialize(raw));
        var stray = Assert.IsType<Custom>(Assert.Single(mapper.Map(At(2), new TextDeltaEvent("stray"))));
        Assert.Equal(("yoi.text_delta", """{"text":"stray"}"""), (stray.Name, stray.Value.GetRawText()));
    }

    [Fact]
    public void A_done_text_the_deltas_do_not_lead_to_is_sent_as_CUSTOM_after_the_message_ends()
    {
        var groups = MapAll(new AgUiMapper("w1"), Corpus("done events override deltas"));
        Assert.Equal([AgUiEventTypes.ReasoningMessageEnd, AgUiEventTypes.ReasoningEnd, AgUiEventTypes.Custom], groups[2].Select(e => e.Type));
        Assert.Equal("""{"text":"think"}""", Assert.IsType<Custom>(groups[2][^1]).Value.GetRawText());
        Assert.Equal([AgUiEventTypes.TextMessageEnd, AgUiEventTypes.Custom], groups[4].Select(e => e.Type));
        // A done text with nothing streamed is a whole message.
        Assert.Equal([AgUiEventTypes.TextMessageStart, AgUiEventTypes.TextMessageContent, AgUiEventTypes.TextMessageEnd], groups[5].Select(e => e.Type));
        // Deltas that lead to the done text: the rest is sent as content.
        var extended = new AgUiMapper("w1");
        extended.Map(At(0), new RunStartEvent("r"));
        extended.Map(At(1), new TextDeltaEvent("Hel"));
        Assert.Equal([new TextMessageContent("r-0", "lo") { Timestamp = 1_700_000_000_002 }, new TextMessageEnd("r-0") { Timestamp = 1_700_000_000_002 }],
            extended.Map(At(2), new TextDoneEvent("Hello")));
    }

    [Fact]
    public void Tool_errors_are_marked_in_the_results_metadata()
    {
        var result = MapAll(new AgUiMapper("w1"), Corpus("two interleaved tool calls"))[10].OfType<ToolCallResult>().Single();
        Assert.Equal("""{"type":"TOOL_CALL_RESULT","timestamp":1700000000010,"messageId":"r-0-result","toolCallId":"a","content":"division by zero","role":"tool","metadata":{"yoi":{"is_error":true}}}""",
            SseWriter.Serialize(result));
    }

    [Fact]
    public void The_snapshot_messages_carry_the_ids_the_stream_gives_the_same_parts()
    {
        var events = WorkerEventCorpus.ClockRun;
        var streamed = MapAll(new AgUiMapper("w1"), events).SelectMany(g => g).ToList();
        var messages = AgUiSnapshot.ToMessages(TranscriptFold.Fold(events).ToSnapshot());
        Assert.Equal(
            """[{"role":"user","id":"user-0","content":"what is the clock"},{"role":"reasoning","id":"r1-0","content":"The user wants time."},""" +
            """{"role":"assistant","id":"r1-1","content":"Let me check."},{"role":"assistant","id":"r1-2","toolCalls":[{"id":"c1","function":{"name":"clock","arguments":"{}"},"type":"function"}]},""" +
            """{"role":"tool","id":"r1-2-result","toolCallId":"c1","content":"2026-01-01T00:00:00Z"},{"role":"assistant","id":"r1-3","content":"It is midnight."}]""",
            SseWriter.Serialize(new MessagesSnapshot(messages))[("""{"type":"MESSAGES_SNAPSHOT","messages":""".Length)..^1]);
        var streamedIds = streamed.OfType<TextMessageStart>().Where(s => s.Role == "assistant").Select(s => s.MessageId)
            .Concat(streamed.OfType<ReasoningStart>().Select(s => s.MessageId)).Concat(streamed.OfType<ToolCallResult>().Select(r => r.MessageId))
            .Concat(streamed.OfType<ToolCallStart>().Select(s => s.ParentMessageId!));
        Assert.Equal(messages.Where(m => m is not UserMessage).Select(m => m.Id).Order(), streamedIds.Order());
    }

    [Fact]
    public void A_stream_joining_mid_run_reopens_what_is_open_after_the_snapshot()
    {
        var snapshot = TranscriptFold.Fold(Corpus("truncated run")).ToSnapshot();
        var (opening, mapper) = AgUiSnapshot.Start("w1", At(9), snapshot);
        Assert.Equal([AgUiEventTypes.RunStarted, AgUiEventTypes.MessagesSnapshot, AgUiEventTypes.TextMessageStart], opening.Select(e => e.Type));
        Assert.Equal("r-1", Assert.IsType<TextMessageStart>(opening[2]).MessageId);
        Assert.Equal([new TextMessageContent("r-1", "lo") { Timestamp = 1_700_000_000_010 }], mapper.Map(At(10), new TextDeltaEvent("lo")));
    }

    [Fact]
    public void Redacted_reasoning_stays_redacted_and_every_event_is_kept()
    {
        var events = WorkerEventCorpus.ClockRun;
        var redacted = events.Select(e =>
            WorkerEventJson.Deserialize(EventRedactor.Redact(WorkerEventJson.SerializeToUtf8Bytes(e)) ?? WorkerEventJson.SerializeToUtf8Bytes(e))).ToList();
        var groups = MapAll(new AgUiMapper("w1"), redacted);
        var all = groups.SelectMany(g => g).ToList();
        Assert.All(all.OfType<ReasoningMessageContent>(), c => Assert.Equal(EventRedactor.Marker, c.Delta));
        Assert.All(all.OfType<ToolCallResult>(), r => Assert.Equal(EventRedactor.Marker, r.Content));
        Assert.DoesNotContain("wants time", Wire(all));
        AgUiOrderRules.Check(all, threadStream: true);
    }

    [Theory]
    [InlineData("1-2", 1UL, 2UL, 0)]
    [InlineData("1700000000000-0:3", 1700000000000UL, 0UL, 3)]
    public void Event_ids_are_cursors_with_an_optional_count(string text, ulong ms, ulong seq, int sent)
    {
        Assert.True(AgUiEventId.TryParse(text, out var id, out _));
        Assert.Equal(new AgUiEventId(new StreamCursor(ms, seq), sent), id);
        Assert.Equal(text, id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1-2:")]
    [InlineData("1-2:0")]
    [InlineData("1-2:-1")]
    [InlineData("1-2:x")]
    [InlineData("1-2:99999999999")]
    [InlineData("1-2:3:4")]
    public void Malformed_event_ids_are_rejected(string text) => Assert.False(AgUiEventId.TryParse(text, out _, out _));

    [Theory]
    [InlineData("""{"threadId":"w","runId":"r","messages":[{"id":"1","role":"user","content":"old"},{"id":"2","role":"assistant","content":"x"},{"id":"3","role":"user","content":"new"}]}""", "new")]
    [InlineData("""{"threadId":"w","runId":"r","messages":[{"id":"1","role":"user","content":[{"type":"text","text":"a"},{"type":"image","source":{"type":"url","value":"u"}},{"type":"text","text":"b"}]}]}""", "ab")]
    public void The_newest_user_message_is_the_input(string json, string expected)
    {
        var input = JsonSerializer.Deserialize(json, AgUiJsonContext.Default.RunAgentInput)!;
        Assert.True(input.TryGetNewestUserText(out var text, out _));
        Assert.Equal(expected, text);
    }

    [Theory]
    [InlineData("""{"threadId":"w","runId":"r","messages":[]}""")]
    [InlineData("""{"threadId":"w","runId":"r","messages":[{"id":"1","role":"assistant","content":"x"}]}""")]
    [InlineData("""{"threadId":"w","runId":"r","messages":[{"id":"1","role":"user","content":"  "}]}""")]
    [InlineData("""{"threadId":"w","runId":"r","messages":[{"id":"1","role":"user"}]}""")]
    [InlineData("""{"runId":"r","messages":[{"id":"1","role":"user","content":"x"}]}""")]
    [InlineData("""{"threadId":"w","messages":[{"id":"1","role":"user","content":"x"}]}""")]
    public void Inputs_without_a_user_text_to_run_are_refused(string json)
    {
        var input = JsonSerializer.Deserialize(json, AgUiJsonContext.Default.RunAgentInput)!;
        Assert.False(input.TryGetNewestUserText(out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
