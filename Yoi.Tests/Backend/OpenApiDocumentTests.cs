using System.Net;
using System.Text.Json;

namespace Yoi.Tests.Backend;

/// <summary>
/// The Backend's OpenAPI document describes the real request and response types (typed handlers, typed query binding),
/// and the typed query binding of an event page keeps its typed problems.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private BackendHost _host = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await BackendHost.StartAsync(new Dictionary<string, string?>
        {
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "embedded",
        });
        _http = _host.Http();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Openapi_document_types_the_event_page_the_worker_create_request_and_the_plugins()
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync("openapi/v1.json", Ct));
        var root = doc.RootElement;
        var events = root.GetProperty("paths").GetProperty("/api/runtimes/{rid}/workers/{wid}/events").GetProperty("get");

        var page = Resolve(root, events.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var frame = Resolve(root, page.GetProperty("properties").GetProperty("events").GetProperty("items"));
        Assert.Equal(["cursor", "kind", "payload", "runtime_id", "worker_id"], PropertyNames(frame));
        Assert.Equal("string", Resolve(root, frame.GetProperty("properties").GetProperty("cursor")).GetProperty("type").GetString());
        var payload = Resolve(root, frame.GetProperty("properties").GetProperty("payload"));
        Assert.Equal(["data", "event"], PropertyNames(payload));
        Assert.True(page.GetProperty("properties").TryGetProperty("next_cursor", out _));

        var parameters = events.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal("query", parameters["after"].GetProperty("in").GetString());
        Assert.Equal("string", Resolve(root, parameters["after"].GetProperty("schema")).GetProperty("type").GetString());
        Assert.Equal("query", parameters["limit"].GetProperty("in").GetString());
        Assert.True(events.GetProperty("responses").TryGetProperty("410", out _));

        var create = root.GetProperty("paths").GetProperty("/api/runtimes/{rid}/workers").GetProperty("post");
        var body = create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var request = body.TryGetProperty("oneOf", out var oneOf)
            ? Resolve(root, oneOf.EnumerateArray().Single(s => s.TryGetProperty("$ref", out _)))
            : Resolve(root, body);
        Assert.Equal(["instructions", "model", "provider"], PropertyNames(request));
        Assert.False(request.GetProperty("additionalProperties").GetBoolean());
        var created = PropertyNames(Resolve(root, create.GetProperty("responses").GetProperty("201").GetProperty("content")
            .GetProperty("application/json").GetProperty("schema")));
        Assert.Contains("worker_id", created);
        Assert.Contains("status", created);

        var plugins = Resolve(root, root.GetProperty("paths").GetProperty("/api/runtimes/{rid}/plugins").GetProperty("get").GetProperty("responses")
            .GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var plugin = Resolve(root, plugins.GetProperty("properties").GetProperty("plugins").GetProperty("items"));
        Assert.Contains("connections", PropertyNames(plugin));
    }

    [Theory]
    [InlineData("after=zz", "cursor_malformed")]
    [InlineData("after=", "cursor_malformed")]
    [InlineData("after=1-1&after=2-2", "cursor_malformed")]
    [InlineData("after=1-1&limit=ten", "invalid_request")]
    [InlineData("limit=0", "invalid_request")]
    [InlineData("limit=1001", "invalid_request")]
    public async Task Bad_event_page_queries_get_their_typed_problem_from_the_bound_parameters(string query, string code)
    {
        var worker = await _host.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var response = await _http.GetAsync($"api/runtimes/rt-1/workers/{worker.WorkerId}/events?{query}", Ct);
        var (_, problem) = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(("rt-1", 400), (problem.GetProperty("runtime_id").GetString(), problem.GetProperty("status").GetInt32()));
        Assert.Contains(code == "cursor_malformed" ? "'after'" : "'limit'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_event_page_binds_a_valid_cursor_and_limit()
    {
        var client = _host.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        await client.SendInputAsync("rt-1", worker.WorkerId, "what time is it on the clock", Ct);
        var stored = await Eventually.ValueAsync(async () => (await client.GetEventsAsync("rt-1", worker.WorkerId, limit: 100, cancellationToken: Ct)).Events,
            events => events.Count >= 8, "a worker with more than six events");
        var cursor = stored[0].Cursor;
        using var response = await _http.GetAsync($"api/runtimes/rt-1/workers/{worker.WorkerId}/events?after={cursor}&limit=5", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var next = Yoi.Protocol.Envelopes.EventPage.Parse(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(stored.Skip(1).Take(5).Select(e => e.Cursor), next.Events.Select(e => e.Cursor));
        Assert.All(next.Events, e => Assert.True(e.Cursor > cursor));
    }

    private static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        if (!schema.TryGetProperty("$ref", out var reference)) return schema;
        var name = reference.GetString()!.Split('/')[^1];
        return root.GetProperty("components").GetProperty("schemas").GetProperty(name);
    }

    private static List<string> PropertyNames(JsonElement schema) =>
        [.. schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
}
