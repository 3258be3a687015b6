using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Yoi.Runtime.Workers;

/// <summary>Loads the registry at start (retrying while Redis is unreachable) and fails runs / flushes events at shutdown.</summary>
public sealed partial class WorkerRuntimeHostedService(WorkerRuntime runtime, bool redis, ILogger<WorkerRuntimeHostedService> logger)
    : IHostedService
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!redis) LogInMemory(logger);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await runtime.StartAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && DateTime.UtcNow < deadline)
            {
                LogStartRetry(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await runtime.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "ConnectionStrings:redis is not set: using the in-memory engine (events, registry and checkpoints are lost on exit)")]
    private static partial void LogInMemory(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading the worker registry failed ({Reason}); retrying")]
    private static partial void LogStartRetry(ILogger logger, string reason);
}
