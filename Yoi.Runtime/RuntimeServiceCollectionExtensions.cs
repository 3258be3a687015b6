using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Yoi.EventLog;
using Yoi.EventLog.Memory;
using Yoi.EventLog.Redis;
using Yoi.Runtime.State;
using Yoi.Runtime.Workers;

namespace Yoi.Runtime;

/// <summary>
/// Registers a runtime from configuration: <see cref="RuntimeOptions"/> (validated now; a bad setting throws
/// <see cref="RuntimeConfigurationException"/> naming it), the engine chosen by <c>ConnectionStrings:redis</c>
/// (Redis: event log, registry and checkpoints on one shared <see cref="RedisClient"/>, plus a <c>redis</c> health
/// check; absent: the in-memory engine), the <see cref="WorkerRuntime"/> as <see cref="IWorkerRuntime"/> (with every
/// <see cref="AIFunction"/> registered in the container as a host tool beside <c>clock</c> and <c>calc</c>), and a
/// hosted service that loads the registry at start and flushes events at shutdown.
/// </summary>
public static class RuntimeServiceCollectionExtensions
{
    public const string RedisConnectionName = "redis";

    public static IServiceCollection AddYoiRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        var options = RuntimeOptions.Load(configuration);
        services.AddSingleton(options);
        var connectionString = configuration.GetConnectionString(RedisConnectionName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            RedisConnectionOptions redisOptions;
            try
            {
                redisOptions = RedisConnectionOptions.Parse(connectionString);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                throw new RuntimeConfigurationException($"ConnectionStrings:redis is invalid: {ex.Message}", ex);
            }
            redisOptions.AbortConnect = false; // keep reconnecting in the background; /health reports the outage
            services.AddSingleton(_ => RedisClient.ConnectAsync(redisOptions).GetAwaiter().GetResult());
            services.AddSingleton<IEventLog>(sp => new RedisEventLog(sp.GetRequiredService<RedisClient>()));
            services.AddSingleton<ISnapshotStore>(sp => new RedisSnapshotStore(sp.GetRequiredService<RedisClient>()));
            services.AddSingleton<IWorkerRegistry>(sp => new RedisWorkerRegistry(sp.GetRequiredService<RedisClient>(),
                new Streams.StreamKeys(options.KeyPrefix, options.Id).Registry));
            services.AddHealthChecks().AddCheck<RedisHealthCheck>(RedisConnectionName, HealthStatus.Unhealthy, ["ready"]);
        }
        else
        {
            services.AddSingleton<IEventLog>(_ => new InMemoryEventLog());
            services.AddSingleton<ISnapshotStore, InMemorySnapshotStore>();
            services.AddSingleton<IWorkerRegistry, InMemoryWorkerRegistry>();
        }
        services.AddSingleton(sp =>
        {
            var client = sp.GetService<RedisClient>();
            return new WorkerRuntime(options, sp.GetRequiredService<IEventLog>(), sp.GetRequiredService<ISnapshotStore>(),
                sp.GetRequiredService<IWorkerRegistry>(), sp.GetRequiredService<ILoggerFactory>(),
                client is null ? null : () => client.IsConnected, tools: sp.GetServices<AIFunction>());
        });
        services.AddSingleton<IWorkerRuntime>(sp => sp.GetRequiredService<WorkerRuntime>());
        services.AddHostedService(sp => new WorkerRuntimeHostedService(sp.GetRequiredService<WorkerRuntime>(),
            sp.GetService<RedisClient>() is not null, sp.GetRequiredService<ILogger<WorkerRuntimeHostedService>>()));
        return services;
    }
}
