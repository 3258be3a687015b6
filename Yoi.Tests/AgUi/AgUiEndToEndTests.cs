using System.Net;
using System.Text.Json;
using Yoi.BackendService.AgUi;
using Yoi.BackendService.Projection;
using Yoi.Protocol.Transcripts;
using Yoi.Tests.EventLog.Redis;
using RunError = Yoi.BackendService.AgUi.RunError;

namespace Yoi.Tests.AgUi;

/// <summary>AG-UI over a real Backend, a real Runtime service and Redis: runs, tool runs, cancels, resumes, roles.</summary>
public sealed class AgUiEndToEndTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static List<AgUiEvent> Events(IEnumerable<SseEvent> read) => [.. read.Select(e => e.Event)];

    private static string AssistantText(IEnumerable<AgUiEvent> events)
    {
        var list = events.ToList();
        var assistant = list.OfType<TextMessageStart>().Where(s => s.Role == "assistant").Select(s => s.MessageId).ToHashSet();
        return string.Concat(list.OfType<TextMessageContent>().Where(c => assistant.Contains(c.MessageId)).Select(c => c.Delta));
    }

    [Fact]
    public async Task A_run_over_AG_UI_streams_the_run_to_its_end_and_its_text_is_the_transcripts()
    {
        await using var stack = await AgUiStack.StartAsync(redis);
        var client = stack.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        await client.SendInputAsync("rt-1", worker.WorkerId, "an earlier question", Ct);
        await WaitIdleAsync(client, worker.WorkerId);
        using var http = stack.Http();

        using var response = await AgUiStack.PostAsync(http, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui",
            AgUiStack.Input(worker.WorkerId, "hello over AG-UI"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var sse = new SseReader(response);
        var read = await sse.ReadToEndAsync();
        var events = Events(read);

        AgUiOrderRules.Check(events, threadStream: false);
        var started = Assert.IsType<RunStarted>(events[0]);
        Assert.Equal(worker.WorkerId, started.ThreadId);
        var snapshot = Assert.IsType<MessagesSnapshot>(events[1]);
        Assert.Equal(["an earlier question", "hello over AG-UI"], snapshot.Messages.OfType<UserMessage>().Select(m => m.Content));
        Assert.Contains(snapshot.Messages, m => m is AssistantMessage { Content: "You said: an earlier question" });
        var finished = Assert.IsType<RunFinished>(events[^1]);
        Assert.Equal((started.RunId, "success"), (finished.RunId, finished.Outcome!.Type));
        Assert.NotNull(finished.Usage);
        Assert.Contains(events, e => e is ReasoningMessageContent);

        var transcript = await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct);
        var last = Assert.IsType<AssistantEntry>(transcript.Transcript[^1]);
        Assert.Equal(started.RunId, last.RunId);
        Assert.Equal(last.Text, AssistantText(events));
        Assert.Equal("You said: hello over AG-UI", last.Text);
        Assert.All(read, e => Assert.True(AgUiEventId.TryParse(e.Id, out _, out _), $"id {e.Id}"));
    }

    [Fact]
    public async Task A_tool_run_carries_the_tool_call_its_arguments_and_its_result()
    {
        await using var stack = await AgUiStack.StartAsync(redis);
        var worker = await stack.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = stack.Http();
        using var response = await AgUiStack.PostAsync(http, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui",
            AgUiStack.Input(worker.WorkerId, "what time is it? use the clock"), Ct);
        using var sse = new SseReader(response);
        var events = Events(await sse.ReadToEndAsync());

        AgUiOrderRules.Check(events, threadStream: false);
        var start = Assert.Single(events.OfType<ToolCallStart>());
        Assert.Equal("clock", start.ToolCallName);
        Assert.Single(events.OfType<ToolCallEnd>(), e => e.ToolCallId == start.ToolCallId);
        var result = Assert.Single(events.OfType<ToolCallResult>());
        Assert.Equal(start.ToolCallId, result.ToolCallId);
        Assert.True(DateTimeOffset.TryParse(result.Content, out _), result.Content);
        Assert.Contains(result.Content, AssistantText(events));
        Assert.True(events.IndexOf(start) < events.IndexOf(result));
        Assert.IsType<RunFinished>(events[^1]);
    }

    [Fact]
    public async Task A_run_cancelled_mid_way_finishes_with_the_cancelled_outcome()
    {
        await using var stack = await AgUiStack.StartAsync(redis, deltaDelayMs: 20);
        var client = stack.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = stack.Http();
        using var response = await AgUiStack.PostAsync(http, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui",
            AgUiStack.Input(worker.WorkerId, "long 2000"), Ct);
        using var sse = new SseReader(response);
        await sse.ReadUntilAsync(e => e is TextMessageContent);
        await client.CancelAsync("rt-1", worker.WorkerId, Ct);
        await sse.ReadToEndAsync();
        var events = Events(sse.Received);

        AgUiOrderRules.Check(events, threadStream: false);
        Assert.Equal("cancelled", Assert.IsType<RunFinished>(events[^1]).Outcome!.Type);
        Assert.IsType<TextMessageEnd>(events[^2]);
        var transcript = await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct);
        Assert.Equal("cancelled", Assert.IsType<AssistantEntry>(transcript.Transcript[^1]).Result);
    }

    [Fact]
    public async Task A_connection_cut_mid_run_resumes_with_Last_Event_ID_and_gets_every_event_exactly_once()
    {
        await using var stack = await AgUiStack.StartAsync(redis, deltaDelayMs: 5);
        var client = stack.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var events = $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui/events";
        using var http = stack.Http();

        var (before, after) = await CutAndResumeAsync(http, worker.WorkerId, "long 300", " word40");

        // The reference: the same run read afterwards in one piece, from the cursor the POST stream opened at.
        using var referenceResponse = await AgUiStack.GetEventsAsync(http, $"{events}?cursor={before[0].Id}", null, Ct);
        using var reference = new SseReader(referenceResponse);
        var whole = await reference.ReadUntilAsync(e => e is RunFinished or RunError);

        var joined = before.Skip(2).Concat(after).ToList(); // the POST opened with RUN_STARTED and MESSAGES_SNAPSHOT
        Assert.Equal(whole.Select(e => (e.Id, e.Data)), joined.Select(e => (e.Id, e.Data)));
        Assert.Equal(joined.Count, joined.Select(e => e.Id).Distinct().Count());
        var all = Events(before.Concat(after));
        AgUiOrderRules.Check(all, threadStream: false);
        Assert.Equal(string.Concat(Enumerable.Range(0, 300).Select(i => (i == 0 ? "" : " ") + "word" + i)), AssistantText(all));

        // An id in the middle of one worker event's AG-UI events resumes with the rest of them.
        var split = whole.First(e => e.Id!.Contains(':'));
        using var partResponse = await AgUiStack.GetEventsAsync(http, events, split.Id, Ct);
        using var part = new SseReader(partResponse);
        var rest = await part.ReadUntilAsync(e => e is RunFinished or RunError);
        Assert.Equal(whole.SkipWhile(e => e != split).Skip(1).Select(e => (e.Id, e.Data)), rest.Select(e => (e.Id, e.Data)));
    }

    [Fact]
    public async Task Under_retention_a_cut_run_resumes_exactly_from_checkpoints_and_a_trimmed_cursor_is_announced_as_expired()
    {
        // MAXLEN ~200: the runtime checkpoints every 50 events, so the resumed mapper starts from a checkpoint mid-run.
        await using var stack = await AgUiStack.StartAsync(redis, deltaDelayMs: 2,
            runtimeSettings: new Dictionary<string, string?> { ["Runtime:Retention:MaxLength"] = "200" });
        var client = stack.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var events = $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui/events";
        using var http = stack.Http();

        var (before, after) = await CutAndResumeAsync(http, worker.WorkerId, "long 600", " word300");

        var all = Events(before.Concat(after));
        AgUiOrderRules.Check(all, threadStream: false);
        Assert.IsType<RunFinished>(all[^1]);
        Assert.Equal(string.Concat(Enumerable.Range(0, 600).Select(i => (i == 0 ? "" : " ") + "word" + i)), AssistantText(all));
        Assert.Equal(after.Count, after.Select(e => e.Id).Distinct().Count());

        using var expiredResponse = await AgUiStack.GetEventsAsync(http, events, before[0].Id, Ct);
        using var expired = new SseReader(expiredResponse);
        var notice = Assert.IsType<Custom>((await expired.NextAsync())!.Event);
        Assert.Equal("cursor_expired", notice.Name);
        var snapshot = Assert.IsType<MessagesSnapshot>((await expired.NextAsync())!.Event);
        var transcript = await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct);
        Assert.Equal(Assert.IsType<AssistantEntry>(transcript.Transcript[^1]).Text,
            string.Concat(snapshot.Messages.OfType<AssistantMessage>().Select(m => m.Content)));
    }

    [Fact]
    public async Task A_producer_that_outruns_retention_never_makes_a_silent_gap()
    {
        // 20,000 deltas as fast as the runtime appends them, 1,000 kept: the stream is either whole, or says where it broke.
        await using var stack = await AgUiStack.StartAsync(redis, deltaDelayMs: 0,
            runtimeSettings: new Dictionary<string, string?> { ["Runtime:Retention:MaxLength"] = "1000" });
        var worker = await stack.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = stack.Http();
        using var response = await AgUiStack.PostAsync(http, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui",
            AgUiStack.Input(worker.WorkerId, "long 20000"), Ct);
        using var sse = new SseReader(response);
        var read = await sse.ReadToEndAsync();
        var events = Events(read);

        var deltas = events.OfType<TextMessageContent>().Select(c => c.Delta).ToList();
        Assert.Equal(Enumerable.Range(0, deltas.Count).Select(i => (i == 0 ? "" : " ") + "word" + i), deltas); // a gapless prefix
        if (events[^1] is Custom { Name: "cursor_expired" or "slow_consumer" } notice)
        {
            using var resumedResponse = await AgUiStack.GetEventsAsync(http, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui/events",
                read[^1].Id, Ct);
            using var resumed = new SseReader(resumedResponse);
            var first = (await resumed.NextAsync())!.Event;
            if (notice.Name == "cursor_expired") Assert.Equal("cursor_expired", Assert.IsType<Custom>(first).Name);
        }
        else
        {
            Assert.IsType<RunFinished>(events[^1]);
            Assert.Equal(20000, deltas.Count);
        }
    }

    [Fact]
    public async Task A_viewer_sees_reasoning_redacted_and_cannot_start_a_run()
    {
        await using var stack = await AgUiStack.StartAsync(redis, withKeys: true);
        var worker = await stack.Client(AgUiStack.OperatorKey).CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var viewer = stack.Http(AgUiStack.ViewerKey);
        using var denied = await AgUiStack.PostAsync(viewer, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui",
            AgUiStack.Input(worker.WorkerId, "let me in"), Ct);
        await ProblemAssert.IsAsync(denied, HttpStatusCode.Forbidden, "forbidden");
        using var deniedCreate = await AgUiStack.PostAsync(viewer, "api/runtimes/rt-1/agui", AgUiStack.Input("t", "let me in"), Ct);
        await ProblemAssert.IsAsync(deniedCreate, HttpStatusCode.Forbidden, "forbidden");

        using var watchResponse = await AgUiStack.GetEventsAsync(viewer, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui/events", null, Ct);
        using var watch = new SseReader(watchResponse);
        Assert.IsType<MessagesSnapshot>((await watch.NextAsync())!.Event);

        using var operatorHttp = stack.Http(AgUiStack.OperatorKey);
        using var runResponse = await AgUiStack.PostAsync(operatorHttp, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui",
            AgUiStack.Input(worker.WorkerId, "think about clock"), Ct);
        using var run = new SseReader(runResponse);
        var operatorEvents = Events(await run.ReadToEndAsync());
        var seen = Events(await watch.ReadUntilAsync(e => e is RunFinished or RunError));

        Assert.Contains(operatorEvents, e => e is ReasoningMessageContent { Delta: not EventRedactor.Marker });
        Assert.NotEmpty(seen.OfType<ReasoningMessageContent>());
        Assert.All(seen.OfType<ReasoningMessageContent>(), c => Assert.Equal(EventRedactor.Marker, c.Delta));
        Assert.All(seen.OfType<ToolCallResult>(), r => Assert.Equal(EventRedactor.Marker, r.Content));
        Assert.Equal(AssistantText(operatorEvents), AssistantText(seen));
        AgUiOrderRules.Check(seen, threadStream: true);

        using var laterResponse = await AgUiStack.GetEventsAsync(viewer, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui/events", null, Ct);
        using var later = new SseReader(laterResponse);
        var snapshot = Assert.IsType<MessagesSnapshot>((await later.NextAsync())!.Event);
        Assert.All(snapshot.Messages.OfType<ReasoningMessage>(), m => Assert.Equal(EventRedactor.Marker, m.Content));
        Assert.NotEmpty(snapshot.Messages.OfType<ReasoningMessage>());
    }

    [Fact]
    public async Task An_unknown_cursor_is_announced_then_a_snapshot_then_live_events()
    {
        await using var stack = await AgUiStack.StartAsync(redis);
        var client = stack.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = stack.Http();
        using var response = await AgUiStack.GetEventsAsync(http, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui/events",
            "99999999999999-0", Ct);
        using var sse = new SseReader(response);
        var notice = Assert.IsType<Custom>((await sse.NextAsync())!.Event);
        Assert.Equal(("cursor_unknown", "cursor_unknown"), (notice.Name, notice.Value.GetProperty("code").GetString()));
        Assert.IsType<MessagesSnapshot>((await sse.NextAsync())!.Event);
        await client.SendInputAsync("rt-1", worker.WorkerId, "live now", Ct);
        var live = Events(await sse.ReadUntilAsync(e => e is RunFinished));
        Assert.Contains(live, e => e is TextMessageStart { Role: "user" });
        Assert.Equal("You said: live now", AssistantText(live));
    }

    [Fact]
    public async Task Creating_and_running_over_AG_UI_makes_a_worker_the_thread_id_then_names()
    {
        await using var stack = await AgUiStack.StartAsync(redis);
        using var http = stack.Http();
        string wid;
        using (var first = await AgUiStack.PostAsync(http, "api/runtimes/rt-1/agui", AgUiStack.Input("a-client-thread", "first"), Ct))
        using (var sse = new SseReader(first))
        {
            var events = Events(await sse.ReadToEndAsync());
            wid = Assert.IsType<RunStarted>(events[0]).ThreadId;
            Assert.NotEqual("a-client-thread", wid);
            Assert.IsType<RunFinished>(events[^1]);
        }
        using (var second = await AgUiStack.PostAsync(http, "api/runtimes/rt-1/agui", AgUiStack.Input(wid, "second"), Ct))
        using (var sse = new SseReader(second))
        {
            var events = Events(await sse.ReadToEndAsync());
            Assert.Equal(wid, Assert.IsType<RunStarted>(events[0]).ThreadId);
            Assert.Equal(["first", "second"], Assert.IsType<MessagesSnapshot>(events[1]).Messages.OfType<UserMessage>().Select(m => m.Content));
        }
        var workers = await stack.Client().ListWorkersAsync("rt-1", Ct);
        Assert.Equal([wid], workers.Workers.Select(w => w.WorkerId));
    }

    [Fact]
    public async Task Bad_requests_get_typed_errors_and_change_nothing()
    {
        await using var stack = await AgUiStack.StartAsync(redis, deltaDelayMs: 20);
        var client = stack.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var run = $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui";
        using var http = stack.Http();

        async Task Expect(string path, string body, HttpStatusCode status, string code, string contentType = "application/json")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) };
            using var response = await http.SendAsync(request, Ct);
            await ProblemAssert.IsAsync(response, status, code);
        }

        await Expect(run, "{not json", HttpStatusCode.BadRequest, "invalid_request");
        await Expect(run, "", HttpStatusCode.BadRequest, "invalid_request");
        // Refused by the Backend's cross-site guard before the route (a POST must be application/json; docs/security.md).
        await Expect(run, AgUiStack.Input(worker.WorkerId, "x"), HttpStatusCode.BadRequest, "invalid_request", "text/plain");
        await Expect(run, """{"threadId":1,"runId":"r","messages":[]}""", HttpStatusCode.BadRequest, "invalid_request");
        await Expect(run, """{"threadId":"x","runId":"r","messages":"no"}""", HttpStatusCode.BadRequest, "invalid_request");
        await Expect(run, AgUiStack.Input("another-thread", "x"), HttpStatusCode.BadRequest, "invalid_request");
        await Expect(run, $$"""{"threadId":"{{worker.WorkerId}}","runId":"r","messages":[{"id":"1","role":"assistant","content":"x"}]}""",
            HttpStatusCode.BadRequest, "invalid_request");
        await Expect("api/runtimes/rt-1/workers/ghost/agui", AgUiStack.Input("ghost", "x"), HttpStatusCode.NotFound, "worker_not_found");
        await Expect("api/runtimes/rt-9/workers/w/agui", AgUiStack.Input("w", "x"), HttpStatusCode.NotFound, "runtime_not_found");
        await Expect("api/runtimes/rt-1/workers/bad%20id/agui", AgUiStack.Input("bad id", "x"), HttpStatusCode.BadRequest, "invalid_request");
        await Expect("api/runtimes/rt-1/agui", """{"threadId":"t","runId":"r","messages":[]}""", HttpStatusCode.BadRequest, "invalid_request");

        var events = $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui/events";
        foreach (var bad in new[] { "nope", "1-2:0", "1-2:x", "-1-2" })
        {
            using var byHeader = await AgUiStack.GetEventsAsync(http, events, bad, Ct);
            await ProblemAssert.IsAsync(byHeader, HttpStatusCode.BadRequest, "cursor_malformed");
            using var byQuery = await AgUiStack.GetEventsAsync(http, $"{events}?cursor={Uri.EscapeDataString(bad)}", null, Ct);
            await ProblemAssert.IsAsync(byQuery, HttpStatusCode.BadRequest, "cursor_malformed");
        }
        using (var ghost = await AgUiStack.GetEventsAsync(http, "api/runtimes/rt-1/workers/ghost/agui/events", null, Ct))
            await ProblemAssert.IsAsync(ghost, HttpStatusCode.NotFound, "worker_not_found");

        Assert.Empty((await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct)).Transcript); // nothing reached the worker

        using var running = await AgUiStack.PostAsync(http, run, AgUiStack.Input(worker.WorkerId, "long 500"), Ct);
        using var sse = new SseReader(running);
        await sse.ReadUntilAsync(e => e is TextMessageContent);
        await Expect(run, AgUiStack.Input(worker.WorkerId, "again"), HttpStatusCode.Conflict, "already_running");
        await client.CancelAsync("rt-1", worker.WorkerId, Ct);
        await sse.ReadToEndAsync();
        Assert.Single((await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct)).Transcript.OfType<UserEntry>());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_AG_UI_routes()
    {
        await using var stack = await AgUiStack.StartAsync(redis);
        using var http = stack.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync("openapi/v1.json", Ct));
        var paths = document.RootElement.GetProperty("paths");
        var run = paths.GetProperty("/api/runtimes/{rid}/workers/{wid}/agui").GetProperty("post");
        var schema = run.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var name = schema.GetProperty("$ref").GetString()!.Split('/')[^1];
        var properties = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty(name).GetProperty("properties");
        Assert.True(properties.TryGetProperty("threadId", out _) && properties.TryGetProperty("runId", out _) && properties.TryGetProperty("messages", out _),
            properties.GetRawText());
        Assert.True(run.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        Assert.True(paths.GetProperty("/api/runtimes/{rid}/agui").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/runtimes/{rid}/workers/{wid}/agui/events").TryGetProperty("get", out _));
    }

    private static Task WaitIdleAsync(Yoi.Client.YoiClient client, string wid) =>
        Eventually.ValueAsync(async () => (await client.GetWorkerAsync("rt-1", wid, Ct)).Status, status => status == "idle", $"worker {wid} to become idle");

    /// <summary>
    /// Runs <paramref name="input"/> through the AG-UI POST, cuts that connection once <paramref name="cutAtDelta"/> arrived,
    /// and resumes on the events route with the last id seen: the events before the cut, and those after it to the run's end.
    /// </summary>
    private static async Task<(List<SseEvent> Before, List<SseEvent> After)> CutAndResumeAsync(HttpClient http, string workerId, string input,
        string cutAtDelta)
    {
        List<SseEvent> before;
        using (var response = await AgUiStack.PostAsync(http, $"api/runtimes/rt-1/workers/{workerId}/agui", AgUiStack.Input(workerId, input), Ct))
        using (var sse = new SseReader(response))
        {
            before = await sse.ReadUntilAsync(e => e is TextMessageContent { Delta: var delta } && delta == cutAtDelta);
        } // the connection is cut here, mid-run

        using var resumedResponse = await AgUiStack.GetEventsAsync(http, $"api/runtimes/rt-1/workers/{workerId}/agui/events", before[^1].Id, Ct);
        using var resumed = new SseReader(resumedResponse);
        return (before, await resumed.ReadUntilAsync(e => e is RunFinished or RunError));
    }
}
