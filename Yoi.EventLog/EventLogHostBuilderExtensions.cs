using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Yoi.EventLog.Memory;
using Yoi.EventLog.Redis;
using Yoi.EventLog.Storage;

namespace Yoi.EventLog;

/// <summary>A setting of the event log is invalid; the message names it (and never carries a password).</summary>
public sealed class EventLogConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Opens the worker registry stored under a runtime's registry key (<see cref="StreamKeys.Registry"/>).</summary>
public delegate IWorkerRegistry WorkerRegistryFactory(string registryKey);

/// <summary>
/// <c>AddYoiEventLog()</c>: the one registration of the storage both services share. With <c>ConnectionStrings:redis</c>
/// (the StackExchange.Redis format, e.g. <c>host:port,password=..,ssl=true</c>, or several cluster nodes) it registers
/// Aspire's Redis client (<see cref="IConnectionMultiplexer"/> and its tracing), a health check that pings every primary
/// (<see cref="RedisPrimariesHealthCheck"/>, which works on a cluster too) and, on the client, the event log,
/// the snapshot store and the worker registries; without it, their in-memory engines. The choice is made once, here.
/// <see cref="WorkerSnapshotReader"/> is registered for both.
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
        builder.Services.TryAddSingleton<WorkerSnapshotReader>();
        if (!UsesRedis(builder.Configuration))
        {
            builder.Services.TryAddSingleton<IEventLog>(_ => new InMemoryEventLog());
            builder.Services.TryAddSingleton<ISnapshotStore, InMemorySnapshotStore>();
            builder.Services.TryAddSingleton<WorkerRegistryFactory>(_ => _ => new InMemoryWorkerRegistry());
            return builder;
        }
        var connectionString = builder.Configuration.GetConnectionString(RedisConnectionName)!;
        ConfigurationOptions tailOptions;
        try
        {
            tailOptions = ConfigurationOptions.Parse(connectionString);
            tailOptions.ClientName ??= clientName;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new EventLogConfigurationException(
                "ConnectionStrings:redis is not a valid StackExchange.Redis connection string (host:port[,password=...][,ssl=true]...).", ex);
        }
        builder.AddRedisClient(RedisConnectionName, settings => settings.DisableHealthChecks = true, options =>
        {
            // Keep reconnecting in the background; /health reports an outage, appends retry in order.
            options.AbortOnConnectFail = false;
            options.ClientName ??= clientName;
        });
        builder.Services.AddHealthChecks().AddCheck<RedisPrimariesHealthCheck>("redis");
        builder.Services.TryAddSingleton<IEventLog>(sp => new RedisEventLog(sp.GetRequiredService<IConnectionMultiplexer>(), blockingReader: tailOptions));
        builder.Services.TryAddSingleton<ISnapshotStore>(sp => new RedisSnapshotStore(sp.GetRequiredService<IConnectionMultiplexer>()));
        builder.Services.TryAddSingleton<WorkerRegistryFactory>(sp =>
        {
            var redis = sp.GetRequiredService<IConnectionMultiplexer>();
            return key => new RedisWorkerRegistry(redis, key);
        });
        return builder;
    }
}
