using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using Yoi.EventLog.Redis;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>The services' Redis health check: every primary answers, on one server and on a cluster.</summary>
public sealed class RedisPrimariesHealthCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cluster_whose_masters_all_answer_is_healthy_and_one_stopped_master_makes_it_unhealthy()
    {
        await using var cluster = await RedisClusterProcess.StartAsync(3);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString + ",abortConnect=false");
        var check = new RedisPrimariesHealthCheck(redis);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext(), Ct)).Status);

        await cluster.Nodes[1].StopAsync();
        var result = await Eventually.ValueAsync(() => check.CheckHealthAsync(new HealthCheckContext(), Ct),
            r => r.Status != HealthStatus.Healthy, "the check to see the stopped master");
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.DoesNotContain("127.0.0.1", result.Description); // what /health says names no address
    }

    [Fact]
    public async Task A_single_server_that_answers_is_healthy()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        Assert.Equal(HealthStatus.Healthy, (await new RedisPrimariesHealthCheck(redis).CheckHealthAsync(new HealthCheckContext(), Ct)).Status);
    }
}
