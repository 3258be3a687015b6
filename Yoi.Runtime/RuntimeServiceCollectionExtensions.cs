using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yoi.EventLog;
using StackExchange.Redis;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Workers;

namespace Yoi.Runtime;

/// <summary>
/// Registers a runtime from configuration: <see cref="RuntimeOptions"/> (validated now; a bad setting throws
/// <see cref="RuntimeConfigurationException"/> naming it), the registry and checkpoints of the engine chosen by
/// <c>ConnectionStrings:redis</c> (the event log and the Redis client come from <c>AddYoiEventLog</c>), the
/// <see cref="WorkerRuntime"/> as <see cref="IWorkerRuntime"/>, and a hosted service that loads the registry at start
/// and flushes events at shutdown.
/// </summary>
public static class RuntimeServiceCollectionExtensions
{
    public const string RedisConnectionName = "redis";

    public static IServiceCollection AddYoiRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        var options = RuntimeOptions.Load(configuration);
        services.AddSingleton(options);
        // The event log itself (and the Redis client) comes from AddYoiEventLog, which makes the same choice.
        if (EventLogHostBuilderExtensions.UsesRedis(configuration))
        {
            services.AddSingleton<ISnapshotStore>(sp => new RedisSnapshotStore(sp.GetRequiredService<IConnectionMultiplexer>()));
            services.AddSingleton<IWorkerRegistry>(sp => new RedisWorkerRegistry(sp.GetRequiredService<IConnectionMultiplexer>(),
                new StreamKeys(options.KeyPrefix, options.Id).Registry));
        }
        else
        {
            services.AddSingleton<ISnapshotStore, InMemorySnapshotStore>();
            services.AddSingleton<IWorkerRegistry, InMemoryWorkerRegistry>();
        }
        services.AddSingleton(sp =>
        {
            var redis = sp.GetService<IConnectionMultiplexer>();
            return new WorkerRuntime(options, sp.GetRequiredService<IEventLog>(), sp.GetRequiredService<ISnapshotStore>(),
                sp.GetRequiredService<IWorkerRegistry>(), sp.GetRequiredService<ILoggerFactory>(),
                redis is null ? null : () => redis.IsConnected);
        });
        services.AddSingleton<IWorkerRuntime>(sp => sp.GetRequiredService<WorkerRuntime>());
        services.AddHostedService(sp => new WorkerRuntimeHostedService(sp.GetRequiredService<WorkerRuntime>(),
            sp.GetService<IConnectionMultiplexer>() is not null, sp.GetRequiredService<ILogger<WorkerRuntimeHostedService>>()));
        return services;
    }
}
