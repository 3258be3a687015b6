using System.Net;
using System.Text.Json;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>What a client sees while the Backend's Redis is down: a typed problem, never an exception page or the address.</summary>
public sealed class EventLogOutageEdgeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Event_paging_while_redis_is_down_answers_503_event_log_unavailable_without_the_redis_address()
    {
        await using var redis = await RedisServerFixture.StartPrivateServerAsync();
        await using var runtime = await FakeRuntime.StartAsync("rt-1");
        runtime.AddWorker("w1");
        ClientEdgeRecorder.Secret(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (host, _) = await BackendHost.StartWithRedisAsync(redis.ConnectionString, runtime);
        await using var _ = host;
        using var http = host.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/runtimes/rt-1/workers/w1/events", Ct)).StatusCode);

        await redis.StopAsync();
        using var response = await http.GetAsync("api/runtimes/rt-1/workers/w1/events", Ct);
        var (body, problem) = await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "event_log_unavailable");
        Assert.Equal("rt-1", problem.GetProperty("runtime_id").GetString());
        Assert.DoesNotContain(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body);
        Assert.DoesNotContain("Redis", body, StringComparison.OrdinalIgnoreCase);
    }
}
