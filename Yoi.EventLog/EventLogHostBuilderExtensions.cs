using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Yoi.EventLog.Memory;
using Yoi.EventLog.Redis;

namespace Yoi.EventLog;

/// <summary>A setting of the event log is invalid; the message names it (and never carries a password).</summary>
public sealed class EventLogConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// <c>AddYoiEventLog()</c>: the one registration both services use. With <c>ConnectionStrings:redis</c> (the
/// StackExchange.Redis format, e.g. <c>host:port,password=..,ssl=true</c>, or several cluster nodes) it registers
/// Aspire's Redis client (<see cref="IConnectionMultiplexer"/>, its health check and tracing) and the Redis engine on
/// it; without it, the in-memory engine. The choice is made once, here.
/// </summary>
public static class EventLogHostBuilderExtensions
{
    public const string RedisConnectionName = "redis";

    /// <summary>True when <c>ConnectionStrings:redis</c> is set, so the Redis engine is used.</summary>
    public static bool UsesRedis(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString(RedisConnectionName));

    /// <param name="clientName">The Redis client name (<c>CLIENT LIST</c>) when the connection string sets none.</param>
    public static IHostApplicationBuilder AddYoiEventLog(this IHostApplicationBuilder builder, string clientName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!UsesRedis(builder.Configuration))
        {
            builder.Services.TryAddSingleton<IEventLog>(_ => new InMemoryEventLog());
            return builder;
        }
        var connectionString = builder.Configuration.GetConnectionString(RedisConnectionName)!;
        try
        {
            ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new EventLogConfigurationException(
                "ConnectionStrings:redis is not a valid StackExchange.Redis connection string (host:port[,password=...][,ssl=true]...).", ex);
        }
        builder.AddRedisClient(RedisConnectionName, configureOptions: options =>
        {
            // Keep reconnecting in the background; /health reports an outage, appends retry in order.
            options.AbortOnConnectFail = false;
            options.ClientName ??= clientName;
        });
        builder.Services.TryAddSingleton<IEventLog>(sp => new RedisEventLog(sp.GetRequiredService<IConnectionMultiplexer>()));
        return builder;
    }
}
