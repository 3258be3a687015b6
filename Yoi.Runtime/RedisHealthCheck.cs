using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yoi.EventLog.Redis;

namespace Yoi.Runtime;

/// <summary>Readiness: a <c>PING</c> through the shared client (part of <c>/health</c>, not <c>/alive</c>).</summary>
public sealed class RedisHealthCheck(RedisClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!client.IsConnected) return HealthCheckResult.Unhealthy("Not connected to Redis.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var rtt = await client.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy($"PING {rtt.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is RedisException or OperationCanceledException or ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy("Redis did not answer PING.");
        }
    }
}
