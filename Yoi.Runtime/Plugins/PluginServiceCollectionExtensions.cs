using Yoi.EventLog.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Yoi.EventLog;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Workers;

namespace Yoi.Runtime.Plugins;

public static class PluginServiceCollectionExtensions
{
    /// <summary>
    /// Registers the plugin host (a hosted service and a singleton for the status endpoints) and the built-in
    /// plugins. Configuration is read from <c>Runtime:Plugins</c> of <paramref name="configuration"/> and checked
    /// when the host starts: any invalid setting stops the service with a message naming it.
    /// Call after <c>AddYoiRuntime</c>: the chat bridge needs <see cref="IEventLog"/> and <see cref="IWorkerRuntime"/>, and
    /// finds worker streams through a registered <see cref="StreamKeys"/>, else <see cref="WorkerRuntime.Keys"/>, else
    /// <see cref="RuntimeOptions.KeyPrefix"/> (or the default prefix) with the runtime's id.
    /// </summary>
    public static IServiceCollection AddYoiPlugins(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IServicePlugin>(sp =>
        {
            var keys = new Lazy<StreamKeys>(() => sp.GetService<StreamKeys>()
                ?? sp.GetService<WorkerRuntime>()?.Keys
                ?? new StreamKeys(sp.GetService<RuntimeOptions>()?.KeyPrefix ?? StreamKeys.DefaultPrefix, sp.GetRequiredService<IWorkerRuntime>().RuntimeId));
            return new ChatBridgePlugin(sp.GetRequiredService<IEventLog>(), workerId => keys.Value.WorkerEvents(workerId));
        });
        services.AddSingleton(sp => new PluginHost(
            sp.GetServices<IServicePlugin>(),
            configuration,
            sp.GetService<IWorkerRuntime>(),
            sp.GetRequiredService<ILogger<PluginHost>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => sp.GetRequiredService<PluginHost>());
        return services;
    }
}
