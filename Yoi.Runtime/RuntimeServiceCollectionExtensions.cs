using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Yoi.Runtime.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yoi.EventLog;
using StackExchange.Redis;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Workers;

namespace Yoi.Runtime;

/// <summary>
/// Registers a runtime from configuration: <see cref="RuntimeOptions"/> bound from the <c>Runtime</c> section and
/// validated at start (<see cref="RuntimeOptionsValidator"/>; a bad setting fails the start with an
/// <see cref="OptionsValidationException"/> naming it), its worker registry (the storage itself, Redis or in memory,
/// comes from <c>AddYoiEventLog</c>), the
/// <see cref="WorkerRuntime"/> as <see cref="IWorkerRuntime"/> (with every <see cref="AIFunction"/> registered in the
/// container as a host tool beside <c>clock</c> and <c>calc</c>), and a hosted service that loads the registry at start
/// and flushes events at shutdown.
/// </summary>
public static class RuntimeServiceCollectionExtensions
{
    public const string RedisConnectionName = "redis";

    public static IServiceCollection AddYoiRuntime(this IServiceCollection services)
    {
        services.AddOptions<RuntimeOptions>().BindSection(RuntimeOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RuntimeOptions>>(new RuntimeOptionsValidator(requireToken: true));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RuntimeOptions>>().Value);
        // The event log, snapshot store and registry (and the Redis client) come from AddYoiEventLog.
        services.AddSingleton<IWorkerRegistry>(sp =>
        {
            var options = sp.GetRequiredService<RuntimeOptions>();
            return sp.GetRequiredService<WorkerRegistryFactory>()(new StreamKeys(options.KeyPrefix, options.Id).Registry);
        });
        services.AddSingleton(sp =>
        {
            var redis = sp.GetService<IConnectionMultiplexer>();
            return new WorkerRuntime(sp.GetRequiredService<RuntimeOptions>(), sp.GetRequiredService<IEventLog>(), sp.GetRequiredService<ISnapshotStore>(),
                sp.GetRequiredService<IWorkerRegistry>(), sp.GetRequiredService<ILoggerFactory>(),
                redis is null ? null : () => redis.IsConnected, tools: sp.GetServices<AIFunction>());
        });
        services.AddSingleton<IWorkerRuntime>(sp => sp.GetRequiredService<WorkerRuntime>());
        services.AddHostedService(sp => new WorkerRuntimeHostedService(sp.GetRequiredService<WorkerRuntime>(),
            sp.GetService<IConnectionMultiplexer>() is not null, sp.GetRequiredService<ILogger<WorkerRuntimeHostedService>>()));
        return services;
    }
}
