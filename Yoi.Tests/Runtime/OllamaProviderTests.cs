using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Runtime;
using Yoi.Runtime.Workers;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>The ollama provider (OllamaSharp's chat client) against a local fake <c>/api/chat</c> NDJSON server.</summary>
public sealed class OllamaProviderTests : IAsyncLifetime
{
    private FakeOllamaServer _server = null!;
    private WorkerRuntime _runtime = null!;
    private Yoi.EventLog.Memory.InMemoryEventLog _log = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeOllamaServer.StartAsync();
        _runtime = Runtime(_server, timeoutSeconds: 10, out _log);
    }

    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static WorkerRuntime Runtime(FakeOllamaServer server, double timeoutSeconds, out Yoi.EventLog.Memory.InMemoryEventLog log)
    {
        var options = Options();
        options.Ollama = new OllamaOptions { Endpoint = server.Endpoint, Model = "fake-llama", TimeoutSeconds = timeoutSeconds };
        return InMemory(out log, options);
    }

    private Task<(List<WorkerEvent> Events, string RunId, string WorkerId)> RunAsync(string input, string? workerId = null) =>
        RunToIdleAsync(_runtime, _log, "ollama", input, workerId);

    [Fact]
    public async Task Streamed_lines_are_one_turn_of_thinking_text_deltas_and_the_usage_of_the_done_line()
    {
        _server.EnqueueStream([FakeOllamaServer.Chunk(thinking: "Hmm, "), FakeOllamaServer.Chunk(thinking: "a greeting."), FakeOllamaServer.Chunk("Hel"),
            FakeOllamaServer.Chunk("lo!"), FakeOllamaServer.Done(11, 2)]);
        var (events, runId, _) = await RunAsync("say hello");

        Assert.Equal(
        [
            "run_start", "status", "turn_start", "thinking_start", "thinking_delta", "thinking_delta", "thinking_done", "text_delta", "text_delta",
            "text_done", "usage", "turn_end", "run_end", "status",
        ], Kinds(events));
        Assert.Equal(new ThinkingDoneEvent("Hmm, a greeting."), events[6]);
        Assert.Equal(new TextDoneEvent("Hello!"), events[9]);
        Assert.Equal(new UsageEvent(11, 2), events[10]);
        Assert.Equal(new RunEndEvent(runId, RunResults.Finished), events[12]);

        var request = _server.Requests.Single().RootElement;
        Assert.Equal("fake-llama", request.GetProperty("model").GetString());
        Assert.True(request.GetProperty("stream").GetBoolean());
        Assert.Equal(("user", "say hello"), (request.GetProperty("messages")[0].GetProperty("role").GetString(),
            request.GetProperty("messages")[0].GetProperty("content").GetString()));
        Assert.Equal(["calc", "clock"], request.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()).Order());
    }

    [Fact]
    public async Task Parallel_tool_calls_run_the_real_tools_and_their_results_go_back_in_the_next_request()
    {
        _server.EnqueueStream([FakeOllamaServer.ToolCalls(("calc", new { expression = "6*7" }), ("clock", new { })), FakeOllamaServer.Done(20, 5)]);
        _server.EnqueueStream([FakeOllamaServer.Chunk("It is 42."), FakeOllamaServer.Done(30, 4)]);
        var (events, runId, _) = await RunAsync("compute");

        Assert.Equal(
        [
            "run_start", "status",
            "turn_start", "tool_call_start", "tool_call_args_delta", "tool_call_start", "tool_call_args_delta", "tool_call_done", "tool_call_done",
            "usage", "tool_result", "tool_result", "turn_end",
            "turn_start", "text_delta", "text_done", "usage", "turn_end",
            "run_end", "status",
        ], Kinds(events));
        var calc = Assert.IsType<ToolCallDoneEvent>(events[7]);
        Assert.Equal("calc", calc.Name);
        Assert.Equal("6*7", JsonDocument.Parse(calc.Arguments).RootElement.GetProperty("expression").GetString());
        Assert.Equal(new ToolResultEvent(calc.Id, "42", false), events[10]);
        Assert.Equal(new TurnEndEvent(1, TurnResults.ToolUse), events[12]);
        Assert.Equal(new UsageEvent(30, 4), events[16]);
        Assert.Equal(new RunEndEvent(runId, RunResults.Finished), events[18]);

        var followUp = _server.Requests[1].RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "tool", "tool"], followUp.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(["calc", "clock"], followUp[1].GetProperty("tool_calls").EnumerateArray().Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.Contains("42", followUp[2].GetProperty("content").GetString());
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
            await c.Response.WriteAsync("""{"error":"server busy"}""");
        });
        _server.EnqueueStream([FakeOllamaServer.Chunk("back"), FakeOllamaServer.Done(1, 1)]);
        var (failed, failedRun, workerId) = await RunAsync("one");
        var error = failed.OfType<ErrorEvent>().Single();
        Assert.Equal(ErrorCodes.ProviderError, error.Code);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Equal([new TurnEndEvent(1, TurnResults.Failed), error, new RunEndEvent(failedRun, RunResults.Failed), new StatusEvent("idle")], failed[^4..]);

        var (again, againRun, _) = await RunAsync("two", workerId);
        Assert.Equal(new RunEndEvent(againRun, RunResults.Finished), again[^2]);
        Assert.Equal(new TextDoneEvent("back"), again.OfType<TextDoneEvent>().Single());
    }

    [Fact]
    public async Task A_stream_cut_before_its_done_line_fails_the_turn_with_a_provider_error()
    {
        _server.EnqueueStream([FakeOllamaServer.Chunk("partial")]);
        var (events, runId, _) = await RunAsync("go");
        Assert.Equal(["run_start", "status", "turn_start", "text_delta", "turn_end", "error", "run_end", "status"], Kinds(events));
        Assert.Equal(new TurnEndEvent(1, TurnResults.Failed), events[4]);
        Assert.Equal(ErrorCodes.ProviderError, ((ErrorEvent)events[5]).Code);
        Assert.Equal(new RunEndEvent(runId, RunResults.Failed), events[6]);
    }

    [Fact]
    public async Task A_malformed_line_fails_the_turn_with_a_provider_error()
    {
        _server.EnqueueStream([FakeOllamaServer.Chunk("ok"), "{not json"]);
        var (events, runId, _) = await RunAsync("go");
        Assert.Equal(ErrorCodes.ProviderError, events.OfType<ErrorEvent>().Single().Code);
        Assert.Equal(new RunEndEvent(runId, RunResults.Failed), events[^2]);
    }

    [Fact]
    public async Task Silence_longer_than_the_timeout_fails_the_turn_with_a_provider_error()
    {
        await using var server = await FakeOllamaServer.StartAsync();
        await using var runtime = Runtime(server, timeoutSeconds: 1, out var log);
        server.Enqueue(async c =>
        {
            c.Response.ContentType = "application/x-ndjson";
            await c.Response.WriteAsync(FakeOllamaServer.Chunk("slow") + "\n");
            await c.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted);
        });
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest("ollama"), Ct);
        await runtime.SendInputAsync(worker.WorkerId, "go", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);
        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Contains("did not answer within 1 s", events.OfType<ErrorEvent>().Single().Message);
        await server.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task Cancel_aborts_the_request_in_flight_and_ends_the_run_cancelled()
    {
        _server.Enqueue(async c =>
        {
            c.Response.ContentType = "application/x-ndjson";
            await c.Response.WriteAsync(FakeOllamaServer.Chunk("thinking...") + "\n");
            await c.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromMinutes(2), c.RequestAborted);
        });
        var worker = await _runtime.CreateWorkerAsync(new CreateWorkerRequest("ollama"), Ct);
        var run = await _runtime.SendInputAsync(worker.WorkerId, "wait", Ct);
        await WaitForEventsAsync(_log, _runtime.Keys.WorkerEvents(worker.WorkerId), e => e.Any(x => x is TextDeltaEvent));
        Assert.False(_server.RequestAborted.Task.IsCompleted);

        await _runtime.CancelAsync(worker.WorkerId, Ct);
        await _server.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await WaitIdleAsync(_runtime, worker.WorkerId);
        var events = await ReadEventsAsync(_log, _runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal([new TurnEndEvent(1, TurnResults.Cancelled), new RunEndEvent(run.RunId!, RunResults.Cancelled)], events[^3..^1]);
        Assert.DoesNotContain(events, e => e is ErrorEvent);
    }

    [Fact]
    public async Task A_second_input_sends_the_conversation_rebuilt_from_the_transcript()
    {
        _server.EnqueueStream([FakeOllamaServer.Chunk("first answer"), FakeOllamaServer.Done(1, 1)]);
        _server.EnqueueStream([FakeOllamaServer.Chunk("second answer"), FakeOllamaServer.Done(1, 1)]);
        var worker = await _runtime.CreateWorkerAsync(new CreateWorkerRequest("ollama", Model: "other-llama", Instructions: "be brief"), Ct);
        await RunAsync("one", worker.WorkerId);
        await RunAsync("two", worker.WorkerId);
        var request = _server.Requests[1].RootElement;
        Assert.Equal("other-llama", request.GetProperty("model").GetString());
        Assert.Equal([("system", "be brief"), ("user", "one"), ("assistant", "first answer"), ("user", "two")],
            request.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())));
    }
}
