using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Yoi.Protocol.Api;
using Yoi.RuntimeService;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend.Security;

/// <summary>Faults of the parts behind the edge: a paused Redis, a Runtime's 503.</summary>
public sealed class FaultTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_during_a_redis_pause_is_503_event_log_unavailable_and_leaves_nothing_on_both_services()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync();
        var prefix = RedisServerFixture.NewKeyPrefix();
        (string, string?)[] settings = [("ConnectionStrings:redis", server.ConnectionString), ("Runtime:KeyPrefix", prefix), ("Runtime:Id", "rt-1")];
        await using var runtime = await RuntimeServiceHost.StartAsync(settings);
        await using var backend = await BackendHost.StartAsync(BackendHost.RemoteRuntimeSettings(server.ConnectionString, runtime, prefix));
        using var http = backend.Http();

        await MalformedEventPagingTests.RedisCliAsync(server.Port, "CLIENT", "PAUSE", "12000", "ALL");
        var clock = Stopwatch.StartNew();
        using (var direct = await runtime.Client.PostAsync("/v1/workers", null, Ct))
            await AssertUnavailableAsync(direct);
        using (var proxied = await http.PostAsync("api/runtimes/rt-1/workers", new StringContent("{}", Encoding.UTF8, "application/json"), Ct))
            await AssertUnavailableAsync(proxied);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"answered after {clock.Elapsed}");
        await MalformedEventPagingTests.RedisCliAsync(server.Port, "CLIENT", "UNPAUSE");

        Assert.Empty(await RuntimeApi.ListWorkersAsync(runtime.Client));
        await using var restarted = await RuntimeServiceHost.StartAsync(settings);
        Assert.Empty(await RuntimeApi.ListWorkersAsync(restarted.Client)); // nothing was stored either
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(ApiErrorCodes.EventLogUnavailable, body.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Backend_keeps_the_runtimes_503_event_log_unavailable()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.Respond = context => FakeRuntime.Problem(context, 503, ApiErrorCodes.EventLogUnavailable);
        var (backend, _) = await BackendHost.StartWithRedisAsync(redis, runtime);
        await using var _ = backend;
        using var http = backend.Http();
        using var response = await http.PostAsync("api/runtimes/rt-1/workers", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        await AssertUnavailableAsync(response);
    }
}
