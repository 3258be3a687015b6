using System.Net;
using System.Text;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>
/// No body, header or frame at the client edge carries a runtime URL, token, Redis address or stream key.
/// This test drives every route and failure itself, then scans everything every backend test recorded.
/// </summary>
public sealed class ClientEdgeLeakTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_client_facing_response_or_frame_carries_an_internal_address_token_or_key()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime);
        await using var _ = host;
        await TestEvents.AppendDeltasAsync(host.Log, TestEvents.Keys(prefix).WorkerEvents("w1"), 3);
        using var http = host.Http();

        var requests = new List<(HttpMethod, string, string?)>
        {
            (HttpMethod.Get, "api/runtimes", null), (HttpMethod.Get, "api/runtimes/rt-1", null), (HttpMethod.Get, "api/runtimes/rt-x", null),
            (HttpMethod.Get, "api/runtimes/rt-1/workers", null), (HttpMethod.Post, "api/runtimes/rt-1/workers", "{}"),
            (HttpMethod.Get, "api/runtimes/rt-1/workers/w1", null), (HttpMethod.Get, "api/runtimes/rt-1/workers/ghost", null),
            (HttpMethod.Post, "api/runtimes/rt-1/workers/w1/input", """{"text":"hi"}"""), (HttpMethod.Post, "api/runtimes/rt-1/workers/w1/input", "{"),
            (HttpMethod.Post, "api/runtimes/rt-1/workers/w1/cancel", ""), (HttpMethod.Post, "api/runtimes/rt-1/workers/w1/stop", ""),
            (HttpMethod.Get, "api/runtimes/rt-1/workers/w1/transcript", null), (HttpMethod.Get, "api/runtimes/rt-1/workers/w1/events", null),
            (HttpMethod.Get, "api/runtimes/rt-1/workers/w1/events?after=bad", null), (HttpMethod.Get, "api/runtimes/rt-1/plugins", null),
            (HttpMethod.Get, "api/runtimes/rt-1/plugins/nope", null), (HttpMethod.Get, "openapi/v1.json", null), (HttpMethod.Get, "health", null),
        };
        foreach (var status in new[] { 401, 404, 405, 409, 500 })
        {
            runtime.Respond = context => FakeRuntime.Problem(context, status, status == 409 ? "already_running" : "x");
            foreach (var (method, path, body) in requests) await Send(http, method, path, body);
        }
        runtime.Respond = null;
        foreach (var (method, path, body) in requests) await Send(http, method, path, body);

        foreach (var path in new[] { "api/runtimes/rt-1/workers/w1/events/ws", "api/runtimes/rt-1/workers/w1/events/ws?cursor=0-0",
                     "api/runtimes/rt-1/workers/w1/events/ws?cursor=x", "api/runtimes/rt-1/workers/w1/events/ws?cursor=99999999999999-0",
                     "api/runtimes/rt-1/workers/ghost/events/ws", "api/runtimes/rt-9/events/ws", "api/runtimes/rt-1/events/ws" })
        {
            using var ws = await host.ConnectAsync(path);
            await ws.SendTextAsync("hello");
            for (var i = 0; i < 3 && await ws.TryNextAsync(TimeSpan.FromSeconds(1)) is not null; i++) { }
        }

        Assert.True(ClientEdgeRecorder.Count > 100);
        Assert.Contains(prefix, ClientEdgeRecorder.AllSecrets);
        Assert.Contains(runtime.Token, ClientEdgeRecorder.AllSecrets);
        Assert.Contains(redis.ConnectionString, ClientEdgeRecorder.AllSecrets);
        var leaks = ClientEdgeRecorder.Leaks().Take(5).Select(l => $"'{l.Secret}' in: {l.Text[..Math.Min(300, l.Text.Length)]}").ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    [Theory]
    [InlineData("127.0.0.1:36261")]
    [InlineData("redis at 127.0.0.1:36261 did not answer")]
    [InlineData("UnableToConnect on localhost:36261/Interactive")]
    [InlineData("{\"port\":36261}")]
    [InlineData("36261")]
    public void The_leak_check_finds_a_port_wherever_it_stands_as_an_address_or_a_whole_number(string text)
    {
        Assert.True(ClientEdgeRecorder.Carries(text, "36261"));
        Assert.True(ClientEdgeRecorder.Carries(text, "127.0.0.1:36261") == text.Contains("127.0.0.1:36261", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"traceId\":\"00-4bf92f3577b34da6a36261b929d0e0e4-00f067aa0ba902b7-01\"}")]
    [InlineData("{\"traceId\":\"00-0af7651916cd43dd8448eb211c836261-b7ad6b7169203331-01\"}")]
    [InlineData("127.0.0.1:362615")]
    public void The_leak_check_does_not_match_a_port_number_inside_a_longer_id_or_number(string text) =>
        Assert.False(ClientEdgeRecorder.Carries(text, "36261"));

    [Fact]
    public void The_leak_check_finds_a_key_prefix_at_the_start_of_a_stream_key_and_a_runtime_url_in_a_longer_one()
    {
        Assert.True(ClientEdgeRecorder.Carries("""{"stream":"t:3f2a:rt-1:w:w1:events"}""", "t:3f2a:"));
        Assert.True(ClientEdgeRecorder.Carries("GET http://127.0.0.1:41000/v1/workers failed", "http://127.0.0.1:41000"));
        Assert.True(ClientEdgeRecorder.Carries("Bearer SECRET-token-0123", "secret-TOKEN-0123"));
        Assert.False(ClientEdgeRecorder.Carries("http://127.0.0.1:410001/v1", "http://127.0.0.1:41000"));
    }

    private static async Task Send(HttpClient http, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, Ct);
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
    }
}
