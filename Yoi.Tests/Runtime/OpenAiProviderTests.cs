using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Runtime;
using Yoi.Runtime.Workers;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>
/// The openai provider (Microsoft.Extensions.AI.OpenAI over the OpenAI package) against a local fake SSE server:
/// streaming, reasoning, tool rounds, every failure mode, cancellation, and the history rebuilt after a restart.
/// </summary>
public sealed class OpenAiProviderTests : IAsyncLifetime
{
    private const string ApiKey = "sk-secret-test-key-123";
    private FakeOpenAiServer _server = null!;
    private WorkerRuntime _runtime = null!;
    private Yoi.EventLog.Memory.InMemoryEventLog _log = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeOpenAiServer.StartAsync();
        _runtime = Runtime(_server.BaseUrl, timeoutSeconds: 10, out _log);
    }

    /// <summary>
    /// A runtime on the in-memory engine whose openai provider points at <paramref name="baseUrl"/>. The timeout leaves room
    /// for the first request of a test process (the OpenAI client's code is compiled then) on a loaded machine.
    /// </summary>
    private static WorkerRuntime Runtime(string baseUrl, double timeoutSeconds, out Yoi.EventLog.Memory.InMemoryEventLog log)
    {
        var options = Options();
        options.OpenAI = new OpenAiOptions { BaseUrl = baseUrl, ApiKey = ApiKey, Model = "fake-model", TimeoutSeconds = timeoutSeconds };
        return InMemory(out log, options);
    }

    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<(List<WorkerEvent> Events, string RunId)> RunAsync(string input)
    {
        var (events, runId, _) = await RunToIdleAsync(_runtime, _log, "openai", input);
        return (events, runId);
    }

    [Fact]
    public async Task Streamed_content_is_one_turn_of_text_deltas_text_done_and_usage_then_finished()
    {
        _server.EnqueueStream([FakeOpenAiServer.Content("Hel"), FakeOpenAiServer.Content("lo!"), FakeOpenAiServer.Finish(), FakeOpenAiServer.Usage(11, 2)]);
        var (events, runId) = await RunAsync("say hello");

        Assert.Equal(["run_start", "status", "turn_start", "text_delta", "text_delta", "text_done", "usage", "turn_end", "run_end", "status"],
            Kinds(events));
        Assert.Equal(new TurnStartEvent(1), events[2]);
        Assert.Equal(new TextDoneEvent("Hello!"), events[5]);
        Assert.Equal(new UsageEvent(11, 2), events[6]);
        Assert.Equal(new TurnEndEvent(1, TurnResults.EndTurn), events[7]);
        Assert.Equal(new RunEndEvent(runId, RunResults.Finished), events[8]);

        var request = _server.Requests.Single().RootElement;
        Assert.Equal("fake-model", request.GetProperty("model").GetString());
        Assert.True(request.GetProperty("stream").GetBoolean());
        Assert.True(request.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("say hello", request.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(["clock", "calc"], request.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()).Order().Reverse());
        Assert.Equal($"Bearer {ApiKey}", _server.Authorizations.Single());
    }

    [Fact]
    public async Task Incremental_tool_calls_run_the_real_tools_in_turn_1_and_the_results_go_back_in_the_request_of_turn_2()
    {
        _server.EnqueueStream(
        [
            FakeOpenAiServer.ToolCallStart(0, "call_a", "calc"),
            FakeOpenAiServer.ToolCallArgs(0, "{\"expres"),
            FakeOpenAiServer.ToolCallArgs(0, "sion\":\"6*7\"}"),
            FakeOpenAiServer.ToolCallStart(1, "call_b", "clock"),
            FakeOpenAiServer.ToolCallArgs(1, "{}"),
            FakeOpenAiServer.Finish("tool_calls"),
            FakeOpenAiServer.Usage(20, 5),
        ]);
        _server.EnqueueStream([FakeOpenAiServer.Content("It is 42."), FakeOpenAiServer.Finish(), FakeOpenAiServer.Usage(30, 4)]);
        var (events, runId) = await RunAsync("compute");

        Assert.Equal(
        [
            "run_start", "status",
            "turn_start", "tool_call_start", "tool_call_args_delta", "tool_call_args_delta", "tool_call_start", "tool_call_args_delta",
            "tool_call_done", "tool_call_done", "usage", "tool_result", "tool_result", "turn_end",
            "turn_start", "text_delta", "text_done", "usage", "turn_end",
            "run_end", "status",
        ], Kinds(events));
        Assert.Equal(new TurnStartEvent(1), events[2]);
        Assert.Equal(new ToolCallDoneEvent("call_a", "calc", """{"expression":"6*7"}"""), events[8]);
        Assert.Equal("call_b", ((ToolCallDoneEvent)events[9]).Id);
        Assert.Equal(new UsageEvent(20, 5), events[10]);
        Assert.Equal(new ToolResultEvent("call_a", "42", false), events[11]);
        Assert.False(((ToolResultEvent)events[12]).IsError);
        Assert.Equal(new TurnEndEvent(1, TurnResults.ToolUse), events[13]);
        Assert.Equal(new TurnStartEvent(2), events[14]);
        Assert.Equal(new UsageEvent(30, 4), events[17]);
        Assert.Equal(new TurnEndEvent(2, TurnResults.EndTurn), events[18]);
        Assert.Equal(new RunEndEvent(runId, RunResults.Finished), events[19]);

        var followUp = _server.Requests[1].RootElement.GetProperty("messages");
        var assistant = followUp[1];
        Assert.Equal("assistant", assistant.GetProperty("role").GetString());
        Assert.Equal(["call_a", "call_b"], assistant.GetProperty("tool_calls").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(("tool", "call_a", "42"), (followUp[2].GetProperty("role").GetString(), followUp[2].GetProperty("tool_call_id").GetString(),
            followUp[2].GetProperty("content").GetString()));
        Assert.Equal("call_b", followUp[3].GetProperty("tool_call_id").GetString());
    }

    [Fact]
    public async Task Endless_tool_rounds_stop_at_the_limit_with_limit_reached()
    {
        for (var i = 0; i < 8; i++)
            _server.EnqueueStream([FakeOpenAiServer.ToolCallStart(0, $"c{i}", "clock"), FakeOpenAiServer.ToolCallArgs(0, "{}"), FakeOpenAiServer.Finish("tool_calls")]);
        var (events, runId) = await RunAsync("loop");
        Assert.Equal(8, _server.Requests.Count);
        Assert.Equal(Enumerable.Range(1, 8).Select(n => new TurnEndEvent(n, TurnResults.ToolUse)), events.OfType<TurnEndEvent>());
        Assert.Equal(new TurnEndEvent(8, TurnResults.ToolUse), events[^3]);
        Assert.Equal(new RunEndEvent(runId, RunResults.LimitReached), events[^2]);
    }

    public static TheoryData<string> Failures => ["malformed", "disconnect", "http500", "http401", "timeout", "refused"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Provider_failures_end_the_turn_failed_then_provider_error_then_run_end_failed_and_never_leak_the_key(string failure)
    {
        switch (failure)
        {
            case "malformed":
                _server.EnqueueStream([FakeOpenAiServer.Content("ok"), "{not json"]);
                break;
            case "disconnect":
                _server.EnqueueStream([FakeOpenAiServer.Content("partial")], done: false);
                break;
            case "http500":
                _server.Enqueue(async c => { c.Response.StatusCode = 500; await c.Response.WriteAsync($"{{\"error\":\"boom, your key {ApiKey}\"}}"); });
                break;
            case "http401":
                _server.Enqueue(c => { c.Response.StatusCode = 401; return Task.CompletedTask; });
                break;
            case "timeout":
                await _runtime.DisposeAsync();
                _runtime = Runtime(_server.BaseUrl, timeoutSeconds: 1, out _log);
                _server.Enqueue(async c =>
                {
                    c.Response.ContentType = "text/event-stream";
                    await c.Response.WriteAsync($"data: {FakeOpenAiServer.Content("slow")}\n\n");
                    await c.Response.Body.FlushAsync();
                    await Task.Delay(TimeSpan.FromSeconds(5), c.RequestAborted);
                });
                break;
            case "refused":
                await _server.DisposeAsync();
                _server = await FakeOpenAiServer.StartAsync(); // a different port: the runtime's base URL now refuses
                break;
        }
        var started = DateTime.UtcNow;
        var (events, runId) = await RunAsync("go");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        var error = events.OfType<ErrorEvent>().Single();
        Assert.Equal("provider_error", error.Code);
        Assert.DoesNotContain(ApiKey, error.Message);
        Assert.NotEmpty(error.Message);
        Assert.Equal(new TurnStartEvent(1), events[2]);
        Assert.Equal(new TurnEndEvent(1, TurnResults.Failed), events[^4]);
        Assert.Equal(error, events[^3]);
        Assert.Equal(new RunEndEvent(runId, RunResults.Failed), events[^2]);
        Assert.Equal(new StatusEvent("idle"), events[^1]);
    }

    [Fact]
    public async Task A_provider_error_in_the_second_turn_ends_that_turn_failed_after_a_first_turn_of_tool_use()
    {
        _server.EnqueueStream([FakeOpenAiServer.ToolCallStart(0, "c1", "clock"), FakeOpenAiServer.ToolCallArgs(0, "{}"), FakeOpenAiServer.Finish("tool_calls"),
            FakeOpenAiServer.Usage(7, 3)]);
        _server.EnqueueStream([FakeOpenAiServer.Content("It is"), FakeOpenAiServer.Usage(9, 1), "{not json"]);
        var (events, runId) = await RunAsync("time?");

        Assert.Equal(
        [
            "run_start", "status",
            "turn_start", "tool_call_start", "tool_call_args_delta", "tool_call_done", "usage", "tool_result", "turn_end",
            "turn_start", "text_delta", "usage", "turn_end",
            "error", "run_end", "status",
        ], Kinds(events));
        Assert.Equal(new TurnEndEvent(1, TurnResults.ToolUse), events[8]);
        Assert.Equal(new TurnStartEvent(2), events[9]);
        Assert.Equal(new UsageEvent(9, 1), events[11]); // the usage that arrived before the failure stays in its turn
        Assert.Equal(new TurnEndEvent(2, TurnResults.Failed), events[12]);
        Assert.Equal(ErrorCodes.ProviderError, ((ErrorEvent)events[13]).Code);
        Assert.Equal(new RunEndEvent(runId, RunResults.Failed), events[14]);
    }

    [Fact]
    public async Task Cancel_during_a_stream_ends_the_turn_cancelled_then_the_run_cancelled()
    {
        _server.Enqueue(async c =>
        {
            c.Response.ContentType = "text/event-stream";
            await c.Response.WriteAsync($"data: {FakeOpenAiServer.Content("thinking...")}\n\n");
            await c.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted);
        });
        var worker = await _runtime.CreateWorkerAsync(new CreateWorkerRequest("openai"), Ct);
        var run = await _runtime.SendInputAsync(worker.WorkerId, "wait", Ct);
        await WaitForEventsAsync(_log, _runtime.Keys.WorkerEvents(worker.WorkerId), e => e.Any(x => x is TextDeltaEvent));
        await _runtime.CancelAsync(worker.WorkerId, Ct);
        await WaitIdleAsync(_runtime, worker.WorkerId);
        var events = await ReadEventsAsync(_log, _runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.IsType<TextDeltaEvent>(events[^4]);
        Assert.Equal(new TurnEndEvent(1, TurnResults.Cancelled), events[^3]);
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Cancelled), events[^2]);
        Assert.DoesNotContain(events, e => e is ErrorEvent);
    }

    [Fact]
    public async Task A_second_input_sends_the_earlier_exchange_as_history()
    {
        _server.EnqueueStream([FakeOpenAiServer.Content("first answer"), FakeOpenAiServer.Finish()]);
        _server.EnqueueStream([FakeOpenAiServer.Content("second answer"), FakeOpenAiServer.Finish()]);
        var worker = await _runtime.CreateWorkerAsync(new CreateWorkerRequest("openai", Instructions: "be brief"), Ct);
        await _runtime.SendInputAsync(worker.WorkerId, "one", Ct);
        await WaitIdleAsync(_runtime, worker.WorkerId);
        await _runtime.SendInputAsync(worker.WorkerId, "two", Ct);
        await WaitIdleAsync(_runtime, worker.WorkerId);
        var messages = _server.Requests[1].RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal([("system", "be brief"), ("user", "one"), ("assistant", "first answer"), ("user", "two")], messages);
    }

    [Fact]
    public async Task Reasoning_content_streams_as_thinking_closed_before_the_text()
    {
        _server.EnqueueStream([FakeOpenAiServer.Reasoning("Let me "), FakeOpenAiServer.Reasoning("think."), FakeOpenAiServer.Content("Done."),
            FakeOpenAiServer.Finish(), FakeOpenAiServer.Usage(3, 4)]);
        var (events, _) = await RunAsync("think");
        Assert.Equal(
        [
            "run_start", "status", "turn_start", "thinking_start", "thinking_delta", "thinking_delta", "thinking_done", "text_delta", "text_done",
            "usage", "turn_end", "run_end", "status",
        ], Kinds(events));
        Assert.Equal([new ThinkingDeltaEvent("Let me "), new ThinkingDeltaEvent("think."), new ThinkingDoneEvent("Let me think.")], events[4..7]);
        Assert.Equal(new TextDoneEvent("Done."), events[8]);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    public async Task An_http_error_status_fails_the_run_with_a_typed_provider_error_and_the_worker_stays_usable(int status)
    {
        _server.Enqueue(async c =>
        {
            c.Response.StatusCode = status;
            c.Response.ContentType = "application/json";
            await c.Response.WriteAsync("""{"error":{"message":"slow down","type":"rate_limit_exceeded"}}""");
        });
        _server.EnqueueStream([FakeOpenAiServer.Content("back again")]);
        var worker = await _runtime.CreateWorkerAsync(new CreateWorkerRequest("openai"), Ct);
        var first = await _runtime.SendInputAsync(worker.WorkerId, "one", Ct);
        await WaitIdleAsync(_runtime, worker.WorkerId);
        var second = await _runtime.SendInputAsync(worker.WorkerId, "two", Ct);
        await WaitIdleAsync(_runtime, worker.WorkerId);

        var events = await ReadEventsAsync(_log, _runtime.Keys.WorkerEvents(worker.WorkerId));
        var error = events.OfType<ErrorEvent>().Single();
        Assert.Equal(ErrorCodes.ProviderError, error.Code);
        Assert.Contains($"HTTP {status}", error.Message);
        var failedEnd = events.IndexOf(new RunEndEvent(first.RunId!, RunResults.Failed));
        Assert.Equal([new TurnEndEvent(1, TurnResults.Failed), error], events[(failedEnd - 2)..failedEnd]);
        Assert.Contains(new RunEndEvent(second.RunId!, RunResults.Finished), events);
        Assert.Equal(new TextDoneEvent("back again"), events.OfType<TextDoneEvent>().Single());
        Assert.Equal(2, _server.Requests.Count); // no hidden retries unless Runtime:OpenAI:MaxRetries says so
    }

    [Fact]
    public async Task Cancel_aborts_the_request_in_flight_and_ends_the_run_cancelled()
    {
        await using var server = await FakeOpenAiServer.StartAsync();
        var options = Options();
        options.OpenAI = new OpenAiOptions { BaseUrl = server.BaseUrl, ApiKey = ApiKey, Model = "fake-model", TimeoutSeconds = 60 };
        await using var runtime = InMemory(out var log, options);
        server.Enqueue(async c =>
        {
            c.Response.ContentType = "text/event-stream";
            await c.Response.WriteAsync($"data: {FakeOpenAiServer.Content("thinking...")}\n\n");
            await c.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromMinutes(2), c.RequestAborted); // answers nothing more until the client gives up
        });
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest("openai"), Ct);
        var run = await runtime.SendInputAsync(worker.WorkerId, "wait", Ct);
        await WaitForEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId), e => e.Any(x => x is TextDeltaEvent));
        Assert.False(server.RequestAborted.Task.IsCompleted);

        await runtime.CancelAsync(worker.WorkerId, Ct);
        await server.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);
        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal([new TurnEndEvent(1, TurnResults.Cancelled), new RunEndEvent(run.RunId!, RunResults.Cancelled)], events[^3..^1]);
    }

    [Fact]
    public async Task A_worker_model_overrides_the_configured_one()
    {
        _server.EnqueueStream([FakeOpenAiServer.Content("ok")]);
        var worker = await _runtime.CreateWorkerAsync(new CreateWorkerRequest("openai", Model: "other-model"), Ct);
        await _runtime.SendInputAsync(worker.WorkerId, "hi", Ct);
        await WaitIdleAsync(_runtime, worker.WorkerId);
        Assert.Equal("other-model", _server.Requests.Single().RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_failing_tool_is_an_error_result_whose_message_goes_back_to_the_model()
    {
        _server.EnqueueStream([FakeOpenAiServer.ToolCallStart(0, "c1", "calc"), FakeOpenAiServer.ToolCallArgs(0, """{"expression":"1/0"}"""),
            FakeOpenAiServer.Finish("tool_calls")]);
        _server.EnqueueStream([FakeOpenAiServer.Content("Cannot divide by zero.")]);
        var (events, runId) = await RunAsync("divide");
        Assert.Equal(new ToolResultEvent("c1", "Division by zero.", true), events.OfType<ToolResultEvent>().Single());
        Assert.Equal(new RunEndEvent(runId, RunResults.Finished), events[^2]);
        var tool = _server.Requests[1].RootElement.GetProperty("messages")[2];
        Assert.Equal(("tool", "c1", "Division by zero."),
            (tool.GetProperty("role").GetString(), tool.GetProperty("tool_call_id").GetString(), tool.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task A_restarted_runtime_sends_the_whole_conversation_rebuilt_from_the_transcript()
    {
        var log = new Yoi.EventLog.Memory.InMemoryEventLog();
        var store = new Yoi.EventLog.Storage.InMemorySnapshotStore();
        var registry = new Yoi.EventLog.Storage.InMemoryWorkerRegistry();
        var options = Options();
        options.OpenAI = new OpenAiOptions { BaseUrl = _server.BaseUrl, ApiKey = ApiKey, Model = "fake-model", TimeoutSeconds = 10 };
        _server.EnqueueStream([FakeOpenAiServer.Content("Let me compute."), FakeOpenAiServer.ToolCallStart(0, "c1", "calc"),
            FakeOpenAiServer.ToolCallArgs(0, """{"expression":"6*7"}"""), FakeOpenAiServer.Finish("tool_calls")]);
        _server.EnqueueStream([FakeOpenAiServer.Content("It is 42.")]);
        _server.EnqueueStream([FakeOpenAiServer.Content("You asked for 6*7.")]);

        string workerId;
        await using (var before = new WorkerRuntime(options, log, store, registry, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance))
        {
            workerId = (await before.CreateWorkerAsync(new CreateWorkerRequest("openai", Instructions: "be brief"), Ct)).WorkerId;
            await before.SendInputAsync(workerId, "what is 6*7?", Ct);
            await WaitIdleAsync(before, workerId);
        }
        await using var after = new WorkerRuntime(options, log, store, registry, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await after.StartAsync(Ct);
        var run = await after.SendInputAsync(workerId, "what did I ask?", Ct);
        await WaitIdleAsync(after, workerId);

        Assert.Equal(3, _server.Requests.Count);
        var messages = _server.Requests[2].RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("be brief", Text(messages[0]));
        Assert.Equal("what is 6*7?", Text(messages[1]));
        Assert.Equal("Let me compute.", Text(messages[2]));
        var call = messages[2].GetProperty("tool_calls").EnumerateArray().Single();
        Assert.Equal(("c1", "calc"), (call.GetProperty("id").GetString(), call.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("6*7", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("expression").GetString());
        Assert.Equal(("c1", "42"), (messages[3].GetProperty("tool_call_id").GetString(), Text(messages[3])));
        Assert.Equal("It is 42.", Text(messages[4]));
        Assert.Equal("what did I ask?", Text(messages[5]));
        var events = await ReadEventsAsync(log, after.Keys.WorkerEvents(workerId));
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Finished), events[^2]);
    }

    [Fact]
    public async Task A_host_tool_is_offered_to_the_model_and_its_call_and_result_are_events()
    {
        await using var server = await FakeOpenAiServer.StartAsync();
        var options = Options();
        options.OpenAI = new OpenAiOptions { BaseUrl = server.BaseUrl, Model = "fake-model", TimeoutSeconds = 10 };
        var weather = Microsoft.Extensions.AI.AIFunctionFactory.Create((string city) => $"Sunny in {city}", "weather", "Today's weather in a city.");
        await using var runtime = new WorkerRuntime(options, new Yoi.EventLog.Memory.InMemoryEventLog(), new Yoi.EventLog.Storage.InMemorySnapshotStore(),
            new Yoi.EventLog.Storage.InMemoryWorkerRegistry(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, tools: [weather]);
        server.EnqueueStream([FakeOpenAiServer.ToolCallStart(0, "w1", "weather"), FakeOpenAiServer.ToolCallArgs(0, """{"city":"Kyoto"}"""),
            FakeOpenAiServer.Finish("tool_calls")]);
        server.EnqueueStream([FakeOpenAiServer.Content("It is sunny.")]);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest("openai"), Ct);
        await runtime.SendInputAsync(worker.WorkerId, "weather in Kyoto?", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var tools = server.Requests[0].RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function")).ToList();
        Assert.Equal(["clock", "calc", "weather"], tools.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("string", tools[2].GetProperty("parameters").GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        var events = await ReadEventsAsync((Yoi.EventLog.Memory.InMemoryEventLog)runtime.Log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal(new ToolCallDoneEvent("w1", "weather", """{"city":"Kyoto"}"""), events.OfType<ToolCallDoneEvent>().Single());
        Assert.Equal(new ToolResultEvent("w1", "Sunny in Kyoto", false), events.OfType<ToolResultEvent>().Single());
    }

    /// <summary>A message's text, whether the client sent its content as a string or as text parts.</summary>
    private static string Text(JsonElement message)
    {
        var content = message.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : string.Concat(content.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
    }
}
