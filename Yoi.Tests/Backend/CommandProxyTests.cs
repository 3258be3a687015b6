using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Yoi.Client;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>The /api routes and every row of the error table in docs/protocol.md, against real local servers.</summary>
public sealed class CommandProxyTests(RedisServerFixture redis) : IAsyncLifetime
{
    private FakeRuntime _ok = null!;
    private FakeRuntime _odd = null!;
    private FakeRuntime _wrongToken = null!;
    private BlackHoleServer _hang = null!;
    private BackendHost _host = null!;
    private HttpClient _http = null!;
    private string _prefix = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _ok = await FakeRuntime.StartAsync("rt-1");
        _ok.AddWorker("w1");
        _odd = await FakeRuntime.StartAsync("rt-odd");
        _wrongToken = await FakeRuntime.StartAsync("rt-auth");
        _hang = new BlackHoleServer();
        var closedUrl = $"http://127.0.0.1:{RedisServerProcess.FreePort()}";
        ClientEdgeRecorder.Secret(closedUrl);
        ClientEdgeRecorder.Secret(new Uri(closedUrl).Authority);
        var extra = new Dictionary<string, string?>();
        void Add(int i, string id, string url, string token, string timeout = "5")
        {
            extra[$"Backend:Runtimes:{i}:Id"] = id;
            extra[$"Backend:Runtimes:{i}:Source"] = "remote";
            extra[$"Backend:Runtimes:{i}:Token"] = token;
            extra[$"Backend:Runtimes:{i}:TimeoutSeconds"] = timeout;
            if (i == 4) extra[$"services:{id}:http:0"] = url; // Aspire service discovery instead of BaseUrl
            else extra[$"Backend:Runtimes:{i}:BaseUrl"] = url;
        }
        Add(1, "rt-odd", _odd.Url, _odd.Token);
        Add(2, "rt-auth", _wrongToken.Url, "not-the-token");
        Add(3, "rt-hang", _hang.Url, "token", "1");
        Add(4, "rt-closed", closedUrl, "token");
        (_host, _prefix) = await BackendHost.StartWithRedisAsync(redis, _ok, extra);
        _http = _host.Http();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        await _ok.DisposeAsync();
        await _odd.DisposeAsync();
        await _wrongToken.DisposeAsync();
        _hang.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> Send(HttpMethod method, string path, string? json = null,
        string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, contentType);
        using var response = await _http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body, response.Content.Headers.ContentType?.MediaType);
    }

    private async Task AssertProblem(HttpMethod method, string path, HttpStatusCode status, string code, string? runtimeId, string? json = null)
    {
        var (actual, body, type) = await Send(method, path, json);
        Assert.Equal(status, actual);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("trace_id").GetString()));
        if (runtimeId is not null) Assert.Equal(runtimeId, body.GetProperty("runtime_id").GetString());
    }

    [Fact]
    public async Task Successful_commands_have_the_documented_status_codes()
    {
        var client = new YoiClient(_http);
        var created = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        Assert.Equal("rt-1", created.RuntimeId);
        var (status, _, _) = await Send(HttpMethod.Post, "api/runtimes/rt-1/workers", "{}");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, "api/runtimes/rt-1/workers/w1/input", """{"text":"hi"}""")).Status);
        Assert.Equal("run-1", (await client.SendInputAsync("rt-1", "w1", "hello", Ct)).RunId);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, "api/runtimes/rt-1/workers/w1/cancel", "")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, "api/runtimes/rt-1/workers/w1/stop", "")).Status);
        Assert.Contains((await client.ListWorkersAsync("rt-1", Ct)).Workers, w => w.WorkerId == "w1");
        Assert.Equal("w1", (await client.GetWorkerAsync("rt-1", "w1", Ct)).WorkerId);
        var transcript = await client.GetTranscriptAsync("rt-1", "w1", Ct);
        // The registry's runtime id, not whatever the runtime calls itself.
        Assert.Equal(("rt-1", "w1", "0-0", "idle"), (transcript.RuntimeId, transcript.WorkerId, transcript.Cursor, transcript.Status));
        Assert.Equal("chat-bridge", (await client.ListPluginsAsync("rt-1", Ct)).Plugins[0].Id);
        var info = await client.GetRuntimeAsync("rt-1", Ct);
        Assert.True(info.Available);
        Assert.Equal("remote", info.Source);
    }

    [Fact]
    public async Task Runtime_list_shows_availability_and_no_connection_details()
    {
        var (status, body, _) = await Send(HttpMethod.Get, "api/runtimes");
        Assert.Equal(HttpStatusCode.OK, status);
        var runtimes = body.GetProperty("runtimes").EnumerateArray().ToDictionary(r => r.GetProperty("runtime_id").GetString()!);
        Assert.Equal(["rt-1", "rt-odd", "rt-auth", "rt-hang", "rt-closed"], runtimes.Keys);
        Assert.True(runtimes["rt-1"].GetProperty("available").GetBoolean());
        Assert.Equal("1.2.3", runtimes["rt-1"].GetProperty("version").GetString());
        Assert.False(runtimes["rt-closed"].GetProperty("available").GetBoolean());
        Assert.False(runtimes["rt-auth"].GetProperty("available").GetBoolean());
        var text = body.GetRawText();
        foreach (var secret in new[] { _ok.Url, _ok.Token, _hang.Url, _prefix, redis.ConnectionString, "http://" })
            Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public async Task An_unreachable_hanging_or_refusing_runtime_is_a_typed_gateway_problem_naming_only_the_runtime_id()
    {
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-closed/workers", HttpStatusCode.BadGateway, "runtime_unreachable", "rt-closed");
        await AssertProblem(HttpMethod.Post, "api/runtimes/rt-hang/workers/w1/input", HttpStatusCode.GatewayTimeout, "runtime_timeout", "rt-hang",
            """{"text":"x"}""");
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-auth/workers", HttpStatusCode.BadGateway, "runtime_auth_failed", "rt-auth");
    }

    [Theory]
    [InlineData(404, "worker_not_found", 404, "worker_not_found")]
    [InlineData(405, "method_not_allowed", 501, "runtime_unsupported")]
    [InlineData(501, "not_implemented", 501, "runtime_unsupported")]
    [InlineData(409, "already_running", 409, "already_running")]
    [InlineData(409, "worker_stopped", 409, "worker_stopped")]
    [InlineData(500, "internal", 502, "runtime_error")]
    [InlineData(503, "event_log_unavailable", 503, "event_log_unavailable")] // nothing was done: retry later, not a runtime failure
    [InlineData(403, "forbidden", 502, "runtime_auth_failed")]
    public async Task Each_runtime_error_answer_maps_to_its_typed_backend_problem(int runtimeStatus, string runtimeCode, int expectedStatus, string expectedCode)
    {
        _odd.Respond = context => FakeRuntime.Problem(context, runtimeStatus, runtimeCode);
        await AssertProblem(HttpMethod.Post, "api/runtimes/rt-odd/workers/w7/input", (HttpStatusCode)expectedStatus, expectedCode, "rt-odd",
            """{"text":"x"}""");
    }

    [Fact]
    public async Task Bad_client_requests_get_typed_problems_and_never_reach_the_runtime()
    {
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-9/workers", HttpStatusCode.NotFound, "runtime_not_found", "rt-9");
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-1/workers/nope", HttpStatusCode.NotFound, "worker_not_found", "rt-1");
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-1/workers/bad%20id", HttpStatusCode.BadRequest, "invalid_request", "rt-1");
        await AssertProblem(HttpMethod.Get, "api/runtimes/r%3At/workers", HttpStatusCode.BadRequest, "invalid_request", null);
        await AssertProblem(HttpMethod.Get, $"api/runtimes/{new string('a', 65)}", HttpStatusCode.BadRequest, "invalid_request", null);
        await AssertProblem(HttpMethod.Post, "api/runtimes/rt-1/workers/w1/input", HttpStatusCode.BadRequest, "invalid_request", "rt-1", "{not json");
        await AssertProblem(HttpMethod.Post, "api/runtimes/rt-1/workers/w1/input", HttpStatusCode.BadRequest, "invalid_request", "rt-1", """{"text":5}""");
        await AssertProblem(HttpMethod.Post, "api/runtimes/rt-1/workers/w1/input", HttpStatusCode.BadRequest, "invalid_request", "rt-1", """{}""");
        await AssertProblem(HttpMethod.Post, "api/runtimes/rt-1/workers/w1/input", HttpStatusCode.RequestEntityTooLarge, "payload_too_large", "rt-1",
            $$"""{"text":"{{new string('a', 70_000)}}"}""");
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-1/workers/w1/events?after=zz", HttpStatusCode.BadRequest, "cursor_malformed", "rt-1");
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-1/workers/w1/events?limit=0", HttpStatusCode.BadRequest, "invalid_request", "rt-1");
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-1/plugins/bad%2Fid", HttpStatusCode.BadRequest, "invalid_request", "rt-1");
        await AssertProblem(HttpMethod.Get, "api/no-such-route", HttpStatusCode.NotFound, "not_found", null);
        await AssertProblem(HttpMethod.Delete, "api/runtimes/rt-1/workers", HttpStatusCode.MethodNotAllowed, "method_not_allowed", null);
        Assert.DoesNotContain(_ok.Requests, r => r.Contains("bad", StringComparison.Ordinal) || r.Contains("/input", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plugins_of_a_runtime_without_the_plugins_capability_are_501_without_calling_it()
    {
        _odd.Capabilities = FakeRuntime.WithoutPlugins;
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-odd/plugins", HttpStatusCode.NotImplemented, "runtime_unsupported", "rt-odd");
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-odd/plugins/chat-bridge", HttpStatusCode.NotImplemented, "runtime_unsupported", "rt-odd");
        Assert.DoesNotContain(_odd.Requests, r => r.Contains("/plugins", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_paging_never_jumps_over_a_gap_expired_is_410_and_foreign_is_404()
    {
        var stream = TestEvents.Keys(_prefix).WorkerEvents("w1");
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, stream, 10);
        await ((IEventLogTrimming)_host.Log).TrimToLengthAsync(stream, 3, Ct);
        await AssertProblem(HttpMethod.Get, $"api/runtimes/rt-1/workers/w1/events?after={ids[2]}", HttpStatusCode.Gone, "cursor_expired", "rt-1");
        var ahead = new StreamCursor(ids[^1].Milliseconds + 60_000, 0);
        await AssertProblem(HttpMethod.Get, $"api/runtimes/rt-1/workers/w1/events?after={ahead}", HttpStatusCode.NotFound, "cursor_unknown", "rt-1");

        var client = new YoiClient(_http);
        // A retained cursor still pages; without 'after' paging starts at the first retained event.
        Assert.Equal(ids[^2..], (await client.GetEventsAsync("rt-1", "w1", ids[^3], 10, Ct)).Events.Select(e => e.Cursor));
        Assert.Equal(ids[^3..], (await client.GetEventsAsync("rt-1", "w1", null, 10, Ct)).Events.Select(e => e.Cursor));
    }

    [Fact]
    public async Task Events_are_paged_from_the_log_with_the_websocket_envelopes()
    {
        var stream = TestEvents.Keys(_prefix).WorkerEvents("w1");
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, stream, 5);
        var client = new YoiClient(_http);
        var page = await client.GetEventsAsync("rt-1", "w1", limit: 3, cancellationToken: Ct);
        Assert.Equal(ids[..3], page.Events.Select(e => e.Cursor));
        Assert.Equal(ids[2], page.NextCursor);
        Assert.All(page.Events, e => Assert.Equal(("rt-1", "w1"), (e.RuntimeId, e.WorkerId!)));
        var rest = await client.GetEventsAsync("rt-1", "w1", page.NextCursor, 10, Ct);
        Assert.Equal(ids[3..], rest.Events.Select(e => e.Cursor));
        Assert.Equal(new TextDeltaEvent("d4 "), rest.Events[^1].Payload);
        var empty = await client.GetEventsAsync("rt-1", "w1", rest.NextCursor, 10, Ct);
        Assert.Empty(empty.Events);
        Assert.Null(empty.NextCursor);
        var error = await Assert.ThrowsAsync<YoiApiException>(() => client.GetEventsAsync("rt-1", "ghost", cancellationToken: Ct));
        Assert.Equal((404, "worker_not_found"), (error.Status, error.Code));
    }

    [Fact]
    public async Task Websocket_route_without_upgrade_is_400_and_openapi_describes_the_api()
    {
        await AssertProblem(HttpMethod.Get, "api/runtimes/rt-1/workers/w1/events/ws", HttpStatusCode.BadRequest, "invalid_request", null);
        var (status, body, _) = await Send(HttpMethod.Get, "openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var paths = body.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/runtimes/{rid}/workers/{wid}/input", out _));
        Assert.True(paths.TryGetProperty("/api/runtimes/{rid}/workers/{wid}/events", out _));
        Assert.Contains("worker_id", body.GetRawText());
    }
}
