using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>Runs of the scripted provider through a whole runtime on the in-memory engine.</summary>
public sealed class ScriptedRunTests
{
    [Fact]
    public async Task A_run_appends_user_message_run_start_status_one_turn_of_provider_events_run_end_and_idle_in_order()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var accepted = await runtime.SendInputAsync(worker.WorkerId, "hello there", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal(
        [
            "worker_created", "status", "user_message", "run_start", "status", "turn_start", "thinking_start", "thinking_delta",
            "thinking_done", "text_delta", "text_done", "usage", "turn_end", "run_end", "status",
        ], Shape(events));
        Assert.Equal(new RunStartEvent(accepted.RunId!), events[3]);
        Assert.Equal(new StatusEvent(WorkerStatuses.Running), events[4]);
        Assert.Equal(new TurnStartEvent(1), events[5]);
        Assert.Equal(new TurnEndEvent(1, TurnResults.EndTurn), events[^3]);
        Assert.Equal(new RunEndEvent(accepted.RunId!, RunResults.Finished), events[^2]);
        Assert.Equal(new StatusEvent(WorkerStatuses.Idle), events[^1]);
        Assert.Equal("You said: hello there", events.OfType<TextDoneEvent>().Single().Text);
        Assert.Equal(["You", " said:", " hello", " there"], events.OfType<TextDeltaEvent>().Select(e => e.Text));
        Assert.Equal(new UsageEvent(2, events.Count(e => e is TextDeltaEvent or ThinkingDeltaEvent)), events.OfType<UsageEvent>().Single());
    }

    [Fact]
    public async Task Worker_and_run_ids_are_generated_url_safe_ids()
    {
        await using var runtime = InMemory(out _);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        Assert.Matches("^w-[A-Za-z0-9_-]{12}$", worker.WorkerId);
        Assert.Equal("scripted", worker.Provider);
        Assert.Equal("idle", worker.Status);
        var accepted = await runtime.SendInputAsync(worker.WorkerId, "hi", Ct);
        Assert.Matches("^r-[A-Za-z0-9_-]{12}$", accepted.RunId);
        await WaitIdleAsync(runtime, worker.WorkerId);
    }

    [Fact]
    public async Task The_word_clock_calls_the_real_clock_tool_and_closes_with_its_result()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await runtime.SendInputAsync(worker.WorkerId, "what does the clock say", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var start = events.OfType<ToolCallStartEvent>().Single();
        Assert.Equal("clock", start.Name);
        Assert.Equal("{}", string.Concat(events.OfType<ToolCallArgsDeltaEvent>().Select(e => e.Json)));
        Assert.Equal(new ToolCallDoneEvent(start.Id, "clock", "{}"), events.OfType<ToolCallDoneEvent>().Single());
        var result = events.OfType<ToolResultEvent>().Single();
        Assert.False(result.IsError);
        var now = DateTimeOffset.Parse(result.Output, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(now, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var shape = Shape(events);
        Assert.Equal(["tool_call_start", "tool_call_args_delta", "tool_call_done", "tool_result", "turn_end", "turn_start", "text_delta",
                "text_done", "usage", "turn_end", "run_end"],
            shape.SkipWhile(k => k != "tool_call_start").Take(11));
        Assert.Contains(result.Output, events.OfType<TextDoneEvent>().Last().Text);
    }

    [Fact]
    public async Task A_tool_run_has_two_turns_the_first_ending_in_tool_use_after_the_tool_result()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var accepted = await runtime.SendInputAsync(worker.WorkerId, "what does the clock say", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal(
            [new TurnStartEvent(1), new TurnEndEvent(1, TurnResults.ToolUse), new TurnStartEvent(2), new TurnEndEvent(2, TurnResults.EndTurn)],
            events.Where(e => e is TurnStartEvent or TurnEndEvent));
        var run = events.SkipWhile(e => e is not RunStartEvent).ToList();
        // Every provider event lies inside a turn: turn 1 from the thinking to the tool result, turn 2 the closing text and usage.
        Assert.Equal(["run_start", "status", "turn_start", "thinking_start"], Kinds(run.Take(4)));
        var firstEnd = run.IndexOf(new TurnEndEvent(1, TurnResults.ToolUse));
        Assert.IsType<ToolResultEvent>(run[firstEnd - 1]);
        Assert.Equal(new TurnStartEvent(2), run[firstEnd + 1]);
        Assert.IsType<TextDeltaEvent>(run[firstEnd + 2]);
        Assert.Equal(["usage", "turn_end", "run_end", "status"], Kinds(run.TakeLast(4)));
        Assert.Equal(new RunEndEvent(accepted.RunId!, RunResults.Finished), run[^2]);
    }

    [Fact]
    public async Task Turns_are_numbered_from_1_in_every_run_and_each_tool_call_adds_one()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        foreach (var input in new[] { "clock and calc 1+1", "hi" })
        {
            await runtime.SendInputAsync(worker.WorkerId, input, Ct);
            await WaitIdleAsync(runtime, worker.WorkerId);
        }

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal(
        [
            "run_start", "start 1", "end 1 tool_use", "start 2", "end 2 tool_use", "start 3", "end 3 end_turn", "run_end",
            "run_start", "start 1", "end 1 end_turn", "run_end",
        ], events.Select(e => e switch
        {
            TurnStartEvent s => $"start {s.Turn}",
            TurnEndEvent t => $"end {t.Turn} {t.Result}",
            RunStartEvent or RunEndEvent => e.Kind,
            _ => null,
        }).OfType<string>());
    }

    [Fact]
    public async Task Calc_evaluates_the_rest_of_the_input_as_an_expression()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await runtime.SendInputAsync(worker.WorkerId, "please calc (1.5 + 2) * 4 - 1/4", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal("""{"expression":"(1.5 + 2) * 4 - 1/4"}""", events.OfType<ToolCallDoneEvent>().Single().Arguments);
        Assert.Equal(new ToolResultEvent(events.OfType<ToolCallDoneEvent>().Single().Id, "13.75", false), events.OfType<ToolResultEvent>().Single());
    }

    [Fact]
    public async Task A_bad_calc_expression_gives_an_error_tool_result_and_the_run_still_finishes()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var accepted = await runtime.SendInputAsync(worker.WorkerId, "calc 1 / (2 - 2)", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var result = events.OfType<ToolResultEvent>().Single();
        Assert.True(result.IsError);
        Assert.Equal("Division by zero.", result.Output);
        Assert.Contains(new RunEndEvent(accepted.RunId!, RunResults.Finished), events);
    }

    [Fact]
    public async Task Long_N_streams_N_text_deltas()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await runtime.SendInputAsync(worker.WorkerId, "long 2500", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var deltas = events.OfType<TextDeltaEvent>().ToList();
        Assert.Equal(2500, deltas.Count);
        Assert.Equal(string.Concat(deltas.Select(d => d.Text)), events.OfType<TextDoneEvent>().Single().Text);
    }

    [Fact]
    public async Task The_transcript_equals_the_fold_of_the_stored_events()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        foreach (var input in new[] { "first", "clock please", "calc 6*7" })
        {
            await runtime.SendInputAsync(worker.WorkerId, input, Ct);
            await WaitIdleAsync(runtime, worker.WorkerId);
        }
        var stored = await ReadAllAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var fold = TranscriptFold.Fold(stored.Select(e => WorkerEventJson.Deserialize(e.Payload.Span))).ToSnapshot();

        var transcript = await runtime.GetTranscriptAsync(worker.WorkerId, Ct);
        Assert.Equal(stored[^1].Cursor, transcript.Cursor);
        Assert.Equal(Json(fold), Json(transcript.Snapshot));
        Assert.Equal(6, transcript.Snapshot.Transcript.Count);
        Assert.Equal("idle", transcript.Snapshot.Status);
    }

    private static string Json(WorkerSnapshot snapshot) =>
        System.Text.Json.JsonSerializer.Serialize(snapshot, ProtocolJsonContext.Default.WorkerSnapshot);
}

/// <summary>Checkpoints keep the transcript whole when retention trims a long run's events.</summary>
public sealed class CheckpointTests
{
    [Fact]
    public async Task A_run_longer_than_the_retention_keeps_a_whole_transcript()
    {
        var options = Options();
        options.Retention.MaxLength = 40;
        await using var runtime = InMemory(out var log, options);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await runtime.SendInputAsync(worker.WorkerId, "long 500", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var retained = await ReadAllAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.True(retained.Count < 200, $"retention kept {retained.Count} events");
        var transcript = (await runtime.GetTranscriptAsync(worker.WorkerId, Ct)).Snapshot;
        Assert.Equal(new UserEntry("long 500"), transcript.Transcript[0]);
        var reply = Assert.IsType<AssistantEntry>(transcript.Transcript[1]);
        Assert.Equal(RunResults.Finished, reply.Result);
        Assert.Equal(string.Join(" ", Enumerable.Range(0, 500).Select(i => $"word{i}")), reply.Text);
    }
}
