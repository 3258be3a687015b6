using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Runtime;
using Yoi.RuntimeService;
using static Yoi.Tests.RuntimeService.RuntimeApi;

namespace Yoi.Tests.RuntimeService;

/// <summary>The /v1 REST surface over HTTP against the real service (in-process Kestrel, in-memory engine).</summary>
public sealed class RuntimeServiceApiTests : IAsyncLifetime
{
    private RuntimeServiceHost _host = null!;
    private HttpClient Client => _host.Client;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await RuntimeServiceHost.StartAsync(("Runtime:MaxInputChars", "1000"));

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var (body, problem) = await ProblemAssert.IsAsync(response, status, code);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("trace_id").GetString()));
        Assert.DoesNotContain(RuntimeServiceHost.Token, body);
    }

    [Fact]
    public async Task Health_and_alive_answer_without_a_token()
    {
        using var anonymous = _host.NewClient(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/alive", Ct)).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789")]
    [InlineData("service-test-token-012345678")]
    [InlineData("")]
    public async Task Every_v1_route_without_the_right_bearer_token_is_unauthorized(string? token)
    {
        using var client = _host.NewClient(token);
        foreach (var (method, url) in new[] { ("GET", "/v1/runtime"), ("GET", "/v1/workers"), ("POST", "/v1/workers"),
                     ("POST", "/v1/workers/w-x/input"), ("GET", "/v1/workers/w-x/events"), ("GET", "/v1/nope") })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), Ct);
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
        using var basic = _host.NewClient(null);
        basic.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", RuntimeServiceHost.Token);
        await AssertProblemAsync(await basic.GetAsync("/v1/runtime", Ct), HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Empty(await RuntimeApi.ListWorkersAsync(Client));
    }

    [Fact]
    public async Task Get_runtime_reports_id_version_capabilities_and_worker_counts()
    {
        await CreateWorkerAsync(Client);
        var info = (await Client.GetFromJsonAsync("/v1/runtime", ApiJsonContext.Default.RuntimeInfo, Ct))!;
        Assert.Equal("rt-svc", info.RuntimeId);
        Assert.False(string.IsNullOrEmpty(info.Version));
        Assert.Contains("input", info.Capabilities);
        Assert.Contains(RuntimeCapabilities.Plugins, info.Capabilities);
        Assert.Equal(new WorkerCounts(1, 1, 0, 0), info.Workers);
        using var raw = await GetJsonAsync(Client, "/v1/runtime");
        Assert.True(raw.RootElement.TryGetProperty("runtime_id", out _)); // snake_case
    }

    [Fact]
    public async Task Create_answers_201_with_location_and_the_worker_is_listed_and_readable()
    {
        using var response = await Client.PostAsync("/v1/workers",
            new StringContent("""{"provider":"scripted"}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var worker = (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.WorkerInfo, Ct))!;
        Assert.Equal($"/v1/workers/{worker.WorkerId}", response.Headers.Location?.ToString());
        Assert.Equal(("rt-svc", "idle", "scripted"), (worker.RuntimeId, worker.Status, worker.Provider));
        Assert.Equal(worker.WorkerId, Assert.Single(await ListWorkersAsync(Client)).WorkerId);
        Assert.Equal(worker.WorkerId, (await GetWorkerAsync(Client, worker.WorkerId)).WorkerId);
    }

    [Fact]
    public async Task Input_answers_202_with_the_run_id_and_the_transcript_equals_the_fold_of_the_event_pages()
    {
        var worker = await CreateWorkerAsync(Client);
        var first = await SendInputAsync(Client, worker.WorkerId, "hello service");
        Assert.Equal(worker.WorkerId, first.WorkerId);
        Assert.Matches("^r-", first.RunId);
        await WaitRunEndAsync(Client, worker.WorkerId, first.RunId!);
        var second = await SendInputAsync(Client, worker.WorkerId, "clock and calc 2*21");
        await WaitRunEndAsync(Client, worker.WorkerId, second.RunId!);

        var frames = await ReadAllEventsAsync(Client, worker.WorkerId, pageSize: 7);
        Assert.All(frames, f => Assert.Equal(("rt-svc", worker.WorkerId), (f.RuntimeId, f.WorkerId)));
        Assert.Equal(frames.Select(f => f.Cursor).Order(), frames.Select(f => f.Cursor));
        Assert.Equal(frames.Count, frames.Select(f => f.Cursor).Distinct().Count());
        var fold = TranscriptFold.Fold(frames.Select(f => f.Payload)).ToSnapshot();

        using var transcript = await GetJsonAsync(Client, $"/v1/workers/{worker.WorkerId}/transcript");
        var root = transcript.RootElement;
        Assert.Equal(frames[^1].Cursor.ToString(), root.GetProperty("cursor").GetString());
        Assert.Equal("idle", root.GetProperty("status").GetString());
        var expected = JsonDocument.Parse(JsonSerializer.Serialize(fold, ProtocolJsonContext.Default.WorkerSnapshot)).RootElement;
        Assert.True(JsonElement.DeepEquals(expected.GetProperty("transcript"), root.GetProperty("transcript")));
        Assert.True(JsonElement.DeepEquals(expected.GetProperty("in_flight"), root.GetProperty("in_flight")));
        Assert.Equal(4, root.GetProperty("transcript").GetArrayLength());

        // A page after the last cursor is empty; next_cursor is null on an empty page.
        using var tail = await GetJsonAsync(Client, $"/v1/workers/{worker.WorkerId}/events?after={frames[^1].Cursor}");
        Assert.Equal(0, tail.RootElement.GetProperty("events").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, tail.RootElement.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Run_commands_answer_409_with_their_codes_and_202_when_accepted()
    {
        await using var slow = await RuntimeServiceHost.StartAsync(("Runtime:Scripted:DeltaDelayMs", "20"));
        var client = slow.Client;
        var worker = await CreateWorkerAsync(client);
        var id = worker.WorkerId;
        await AssertProblemAsync(await client.PostAsync($"/v1/workers/{id}/cancel", null, Ct), HttpStatusCode.Conflict, "not_running");
        var run = await SendInputAsync(client, id, "long 5000");
        await AssertProblemAsync(await PostInputAsync(client, id, """{"text":"again"}"""), HttpStatusCode.Conflict, "already_running");
        using (var cancel = await client.PostAsync($"/v1/workers/{id}/cancel", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.Equal(run.RunId, (await cancel.Content.ReadFromJsonAsync(ApiJsonContext.Default.CommandAccepted, Ct))!.RunId);
        }
        await WaitRunEndAsync(client, id, run.RunId!);
        var events = await ReadAllEventsAsync(client, id);
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Cancelled), events[^2].Payload);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/v1/workers/{id}/stop", null, Ct)).StatusCode);
        Assert.Equal("stopped", (await GetWorkerAsync(client, id)).Status);
        await AssertProblemAsync(await PostInputAsync(client, id, """{"text":"hi"}"""), HttpStatusCode.Conflict, "worker_stopped");
        await AssertProblemAsync(await client.PostAsync($"/v1/workers/{id}/cancel", null, Ct), HttpStatusCode.Conflict, "worker_stopped");
    }

    private static Task<HttpResponseMessage> PostInputAsync(HttpClient client, string workerId, string json, string contentType = "application/json") =>
        client.PostAsync($"/v1/workers/{workerId}/input", new StringContent(json, Encoding.UTF8, contentType), Ct);

    [Theory]
    [InlineData("""{"text":""", "malformed JSON")]
    [InlineData("""{"text":5}""", "wrong type")]
    [InlineData("""{"text":null}""", "null text")]
    [InlineData("""{}""", "missing text")]
    [InlineData("""[]""", "not an object")]
    [InlineData("", "empty body")]
    [InlineData("""{"text":""}""", "empty text")]
    public async Task Bad_input_bodies_are_invalid_request_and_start_nothing(string body, string because)
    {
        var worker = await CreateWorkerAsync(Client);
        await AssertProblemAsync(await PostInputAsync(Client, worker.WorkerId, body), HttpStatusCode.BadRequest, "invalid_request");
        Assert.Null((await GetWorkerAsync(Client, worker.WorkerId)).RunId);
        Assert.DoesNotContain(await ReadAllEventsAsync(Client, worker.WorkerId), f => f.Payload is UserMessageEvent);
        Assert.NotNull(because);
    }

    [Fact]
    public async Task Input_longer_than_max_input_chars_is_invalid_request_and_a_body_over_64_KiB_is_payload_too_large()
    {
        var worker = await CreateWorkerAsync(Client);
        await AssertProblemAsync(await PostInputAsync(Client, worker.WorkerId, JsonSerializer.Serialize(new { text = new string('x', 1001) })),
            HttpStatusCode.BadRequest, "invalid_request");
        await AssertProblemAsync(await PostInputAsync(Client, worker.WorkerId, JsonSerializer.Serialize(new { text = new string('x', 70_000) })),
            HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await AssertProblemAsync(await PostInputAsync(Client, worker.WorkerId, """{"text":"hi"}""", "text/plain"),
            HttpStatusCode.UnsupportedMediaType, "invalid_request"); // the framework's body binding
    }

    [Fact]
    public async Task Bad_create_bodies_are_invalid_request()
    {
        foreach (var body in new[] { """{"provider":"gpt-9"}""", """{"provider":"openai"}""", """{"provider":1}""", "{oops" })
        {
            using var response = await Client.PostAsync("/v1/workers", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        }
        Assert.Empty(await ListWorkersAsync(Client));
    }

    [Theory]
    [InlineData("bad:id")]
    [InlineData("w%20x")]
    [InlineData("w.x")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Ids_with_odd_characters_are_invalid_request_on_every_worker_route(string id)
    {
        foreach (var (method, suffix) in new[] { ("GET", ""), ("POST", "/input"), ("POST", "/cancel"), ("POST", "/stop"), ("GET", "/transcript"), ("GET", "/events") })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/workers/{id}{suffix}");
            if (suffix == "/input") request.Content = new StringContent("""{"text":"hi"}""", Encoding.UTF8, "application/json");
            await AssertProblemAsync(await Client.SendAsync(request, Ct), HttpStatusCode.BadRequest, "invalid_request");
        }
    }

    [Fact]
    public async Task An_unknown_worker_is_404_worker_not_found_on_every_worker_route()
    {
        foreach (var (method, suffix) in new[] { ("GET", ""), ("POST", "/input"), ("POST", "/cancel"), ("POST", "/stop"), ("GET", "/transcript"), ("GET", "/events") })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/workers/w-nobody{suffix}");
            if (suffix == "/input") request.Content = new StringContent("""{"text":"hi"}""", Encoding.UTF8, "application/json");
            await AssertProblemAsync(await Client.SendAsync(request, Ct), HttpStatusCode.NotFound, "worker_not_found");
        }
    }

    [Theory]
    [InlineData("after=abc", "cursor_malformed")]
    [InlineData("after=1-2-3", "cursor_malformed")]
    [InlineData("after=-1", "cursor_malformed")]
    [InlineData("after=%24", "cursor_malformed")]
    [InlineData("after=", "cursor_malformed")]
    [InlineData("after=1-1&after=2-2", "cursor_malformed")]
    [InlineData("limit=0", "invalid_request")]
    [InlineData("limit=1001", "invalid_request")]
    [InlineData("limit=ten", "invalid_request")]
    public async Task Bad_event_page_queries_are_rejected_with_their_code(string query, string code)
    {
        var worker = await CreateWorkerAsync(Client);
        await AssertProblemAsync(await Client.GetAsync($"/v1/workers/{worker.WorkerId}/events?{query}", Ct), HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task An_event_page_after_a_cursor_this_stream_never_had_is_404_cursor_unknown_not_an_empty_page()
    {
        var worker = await CreateWorkerAsync(Client);
        var ahead = $"{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds()}-0";
        await AssertProblemAsync(await Client.GetAsync($"/v1/workers/{worker.WorkerId}/events?after={ahead}", Ct), HttpStatusCode.NotFound,
            "cursor_unknown");
    }

    [Fact]
    public async Task Unknown_routes_are_404_not_found_and_wrong_methods_405_method_not_allowed()
    {
        await AssertProblemAsync(await Client.GetAsync("/v1/nothing-here", Ct), HttpStatusCode.NotFound, "not_found");
        await AssertProblemAsync(await Client.GetAsync("/elsewhere", Ct), HttpStatusCode.NotFound, "not_found");
        await AssertProblemAsync(await Client.DeleteAsync("/v1/workers", Ct), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await AssertProblemAsync(await Client.GetAsync("/v1/workers/w-x/input", Ct), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public void A_missing_or_short_token_stops_the_service_at_start_naming_the_setting()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => RuntimeServiceApp.Build([], c =>
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(c,
                new Dictionary<string, string?> { ["Runtime:Id"] = "rt-1", ["Runtime:Token"] = "short" })));
        Assert.Contains("Runtime:Token", error.Message);
        Assert.DoesNotContain("short", error.Message.Replace("Runtime:Token must be at least", "", StringComparison.Ordinal));
    }
}
