using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Yoi.AppHost.Topology;

/// <summary>
/// A service that dies on its own under the AppHost (killed outright, crashed) is started again, as the dashboard's
/// Start button would (README, "Run"): <see cref="CrashRestarter"/> watches the resources'
/// states (<see cref="ResourceNotificationService.WatchAsync"/>) and, when one marked here goes from <c>Running</c>
/// straight to <c>Exited</c>/<c>Finished</c> with a failing exit code, runs its <c>resource-start</c> command
/// (<see cref="ResourceCommandService"/>). A stop somebody asked for passes through <c>Stopping</c> and ends with exit
/// code 0 under SIGTERM, so it stays stopped; the AppHost's own shutdown ends the watch. A service that keeps failing
/// is started again after a growing pause (3 s doubling to 30 s).
/// </summary>
internal static class RestartOnCrash
{
    public static IResourceBuilder<ProjectResource> WithRestartOnCrash(this IResourceBuilder<ProjectResource> project)
    {
        if (project.ApplicationBuilder.ExecutionContext.IsPublishMode) return project;
        project.ApplicationBuilder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CrashRestarter>());
        return project.WithAnnotation(new RestartOnCrashAnnotation());
    }
}

/// <summary>Marks a resource <see cref="CrashRestarter"/> starts again when it dies on its own.</summary>
internal sealed class RestartOnCrashAnnotation : IResourceAnnotation;

internal sealed partial class CrashRestarter(ResourceNotificationService notifications, ResourceCommandService commands,
    IHostApplicationLifetime lifetime, ILogger<CrashRestarter> logger) : BackgroundService
{
    /// <summary>
    /// Longer than the Backend's probe takes to notice (its default interval and deadline, 2 s each): a runtime back
    /// before then would leave its observers without <c>runtime_unavailable</c> while its runs were cut short.
    /// </summary>
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken serviceStopping)
    {
        // The AppHost stopping its resources is no crash: the watch ends as soon as it begins to stop.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(serviceStopping, lifetime.ApplicationStopping);
        var stoppingToken = stopping.Token;
        var states = new Dictionary<string, string?>(StringComparer.Ordinal);
        var pauses = new Dictionary<string, (TimeSpan Pause, DateTimeOffset At)>(StringComparer.Ordinal);
        try
        {
            await foreach (var change in notifications.WatchAsync(stoppingToken))
            {
                if (!change.Resource.HasAnnotationOfType<RestartOnCrashAnnotation>()) continue;
                var state = change.Snapshot.State?.Text;
                states.TryGetValue(change.ResourceId, out var previous);
                states[change.ResourceId] = state;
                if (previous != KnownResourceStates.Running || (state != KnownResourceStates.Exited && state != KnownResourceStates.Finished)
                    || change.Snapshot.ExitCode is 0)
                    continue;
                var now = DateTimeOffset.UtcNow;
                // A pause that doubles while the service keeps dying soon after each start, and starts over once it ran a while.
                var pause = pauses.TryGetValue(change.ResourceId, out var last) && now - last.At < LongestPause + last.Pause
                    ? TimeSpan.FromTicks(Math.Min(last.Pause.Ticks * 2, LongestPause.Ticks))
                    : FirstPause;
                pauses[change.ResourceId] = (pause, now);
                LogDied(logger, change.Resource.Name, change.Snapshot.ExitCode, pause.TotalSeconds);
                _ = StartAgainAsync(change.Resource, pause, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task StartAgainAsync(IResource resource, TimeSpan pause, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(pause, stoppingToken);
            var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, stoppingToken);
            if (!result.Success) LogStartFailed(logger, resource.Name, result.Message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited on its own (exit code {ExitCode}); starting it again in {Seconds} s")]
    private static partial void LogDied(ILogger logger, string resource, int? exitCode, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} could not be started again: {Error}")]
    private static partial void LogStartFailed(ILogger logger, string resource, string? error);
}
