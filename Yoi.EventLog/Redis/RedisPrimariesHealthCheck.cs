using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Yoi.EventLog.Redis;

/// <summary>
/// Redis is healthy when every primary the shared multiplexer knows answers a <c>PING</c>: one server, or each
/// master of a Redis Cluster. It replaces the client integration's own check, which asks a cluster for
/// <c>CLUSTER INFO</c>, an admin command StackExchange.Redis refuses on a connection without <c>allowAdmin</c>,
/// so a service on a cluster would never report healthy.
/// </summary>
internal sealed class RedisPrimariesHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var primaries = redis.GetServers().Where(s => !s.IsReplica).ToArray();
        if (primaries.Length == 0) return HealthCheckResult.Unhealthy("No Redis server is known.");
        try
        {
            await Task.WhenAll(primaries.Select(s => s.PingAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("A Redis server does not answer.", ex);
        }
    }
}
